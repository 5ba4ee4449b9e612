"""A cloud of two regions (issue 10): each region's own Nova and Neutron, a zone of the
same name in both, scanned exactly as the truth has it."""

from __future__ import annotations

import pytest
from pymongo.asynchronous.database import AsyncDatabase
from scan_truth import assert_stored_is_truth, stored_objects
from test_scan_sim import scan

from calipso.scanners.metadata_files import Metadata
from calipso.settings import Settings, load_settings
from calipso.sim import spec_from_flags
from calipso.sim.server import SimCloud

pytestmark = pytest.mark.timeout(180)
REGIONS = ["RegionOne", "RegionTwo"]


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.mark.parametrize(("driver", "type_driver", "endpoints"), [
    pytest.param("ovs", "vxlan", "ports", id="ovs-vxlan"),
    pytest.param("lxb", "vlan", "paths", id="lxb-vlan-paths"),
])
async def test_two_regions_are_scanned_exactly(
        seeded: AsyncDatabase, settings: Settings, metadata: Metadata, driver: str,
        type_driver: str, endpoints: str) -> None:
    db = seeded
    spec = spec_from_flags(hosts=6, instances=10, networks=4, driver=driver,
                           type_driver=type_driver, seed=23, regions=REGIONS, routers=2,
                           endpoints=endpoints, ports_per_instance=2,
                           aggregates=[{"name": "fast", "availability_zone": "nova",
                                        "hosts": 1}])
    name = f"regions-{driver}"
    async with SimCloud(spec, env_name=name) as sim:
        result = await scan(db, sim, settings, metadata)
        truth = sim.truth()
        cloud = sim.cloud
    assert result.status == "completed", result.errors
    cliques = await assert_stored_is_truth(db, name, truth)

    stored = await stored_objects(db, name)
    zones = {doc["id"]: doc["name"] for doc in stored.values()
             if doc["type"] == "availability_zone"}
    assert zones["RegionOne-nova"] == zones["RegionTwo-nova"] == "nova"
    for host in cloud.hosts.values():  # each under its own region's zone
        assert stored[host.name]["id_path"].startswith(
            f"/{name}/{name}-regions/{host.region}/{host.region}-availability_zones/"
            f"{host.region}-{host.availability_zone}/"), host.name
    assert {cloud.hosts[i.host].region for i in cloud.instances.values()} == set(REGIONS)
    for inst in cloud.instances.values():  # networks and host in one region
        nets = {cloud.ports[p].network_id for p in inst.port_ids}
        assert {cloud.region_of_network(n) for n in nets} == {cloud.hosts[inst.host].region}
        assert nets <= cliques[inst.uuid], inst.name
