"""Where ML2/OVN's databases are read: the first controller whose ovn-sbctl answers; a
cloud where none does is scanned with that error recorded and the rest found."""

from __future__ import annotations

import pytest
from pymongo.asynchronous.database import AsyncDatabase
from scan_truth import link_differences, object_differences, stored_links, stored_objects

from calipso.env_config import EnvironmentConfig
from calipso.scanners.lifecycle import ScanOptions
from calipso.scanners.metadata_files import Metadata
from calipso.scanners.scan import run_scan
from calipso.settings import Settings, load_settings
from calipso.sim import spec_from_flags
from calipso.sim.server import SimCloud

pytestmark = pytest.mark.timeout(180)
NOT_FOUND = "bash: ovn-sbctl: command not found"
HOSTS = {"controllers": 2, "networks": 1, "computes": 2}


@pytest.fixture
def settings() -> Settings:
    return load_settings()


async def test_the_databases_are_read_on_a_controller_that_has_the_tools(
        seeded: AsyncDatabase, settings: Settings, metadata: Metadata) -> None:
    spec = spec_from_flags(hosts=HOSTS, instances=4, networks=2, driver="ovn", seed=6)
    async with SimCloud(spec, env_name="ovn-central") as sim:
        first = sorted(h.name for h in sim.cloud.hosts.values() if "controller" in h.roles)[0]
        assert sim.ssh is not None
        sim.ssh.fail_command("ovn-sbctl", exit_status=127, stderr=NOT_FOUND, hosts=[first])
        env = EnvironmentConfig.model_validate(sim.env_config())
        result = await run_scan(seeded, settings, env, metadata, ScanOptions(), "t")
        truth = sim.truth()
    assert result.status == "completed", result.errors
    assert object_differences(truth, await stored_objects(seeded, "ovn-central")) == []
    assert link_differences(truth, await stored_links(seeded, "ovn-central")) == []


async def test_no_reachable_ovn_databases_is_an_error_not_a_silence(
        seeded: AsyncDatabase, settings: Settings, metadata: Metadata) -> None:
    spec = spec_from_flags(hosts=HOSTS, instances=4, networks=2, driver="ovn", seed=6)
    async with SimCloud(spec, env_name="ovn-nocentral") as sim:
        assert sim.ssh is not None
        sim.ssh.fail_command("ovn-sbctl", exit_status=127, stderr=NOT_FOUND)
        env = EnvironmentConfig.model_validate(sim.env_config())
        result = await run_scan(seeded, settings, env, metadata, ScanOptions(), "t")
        truth = sim.truth()
    assert result.status == "completed_with_errors"
    assert any("ovn-sbctl" in str(e) for e in result.errors), result.errors
    stored = await stored_objects(seeded, "ovn-nocentral")
    local = {o["id"] for o in truth["objects"] if o["type"] in ("instance", "vedge", "otep")
             or o["id"].split("-ovnmeta-")[0] in sim.cloud.hosts}
    assert local <= set(stored)  # what the hosts tell is found (metadata vServices too)
    routers = [o["id"] for o in truth["objects"]
               if o["type"] == "vservice" and o["service_type"] == "router"]
    assert routers and not set(routers) & set(stored)
