"""Sensu setup from the templates: every generated check names a stored object or link;
Files writes classic and Sensu Go configuration; Deploy writes each host's files over
SFTP once, and a second run writes nothing."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from calipso.db import ensure_indexes
from calipso.env_config import EnvironmentConfig
from calipso.inventory import decode_keys
from calipso.monitoring.apply import ResultApplier
from calipso.monitoring.provision import SensuSetup, check_programs
from calipso.monitoring.results import CheckResult
from calipso.seed import load_seed
from calipso.settings import load_settings
from calipso.sim import spec_from_flags
from calipso.sim.server import SimCloud
from calipso.sources import SshPools

pytestmark = pytest.mark.timeout(120)
SPEC = dict(hosts=4, instances=6, networks=2, type_driver="vxlan", seed=7)


def monitoring(provision: str, folder: Path) -> dict[str, Any]:
    return {"name": "Monitoring", "config_folder": str(folder), "provision": provision,
            "env_type": "testing", "api_port": 4567, "rabbitmq_pass": "rmq-secret",
            "rabbitmq_user": "sensu", "rabbitmq_port": 5671, "server_ip": "10.0.0.99",
            "server_name": "sensu-server", "type": "Sensu", "listen_results": False}


async def _with_truth(db: AsyncDatabase, sim: SimCloud, provision: str,
                      folder: Path) -> EnvironmentConfig:
    await ensure_indexes(db)
    await load_seed(db)
    truth = sim.truth()
    name = sim.env_config()["name"]
    await db.inventory.insert_many([o | {"environment": name} for o in truth["objects"]])
    await db.links.insert_many([k | {"environment": name} for k in truth["links"]])
    doc = sim.env_config()
    doc["configuration"] = [*doc["configuration"], monitoring(provision, folder)]
    env = EnvironmentConfig.model_validate(doc | {"enable_monitoring": True})
    await db.environments_config.insert_one(env.to_doc(reveal=True))
    return env


async def _client_checks(db: AsyncDatabase, env: str) -> dict[str, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {}
    async for doc in db.monitoring_config.find({"environment": env, "type": "client.json"}):
        checks |= decode_keys(doc)["config"].get("checks", {})
    return checks


@pytest.mark.parametrize("driver", ["ovs", "vpp"])
async def test_every_generated_check_names_a_stored_object_or_link(db, tmp_path: Path,
                                                                   driver: str) -> None:
    async with SimCloud(spec_from_flags(driver=driver, **SPEC), env_name=f"gen{driver}") as sim:
        env = await _with_truth(db, sim, "DB", tmp_path)
        setup = SensuSetup(db, SshPools(load_settings(), db), hosts_at_once=4)
        report = await setup.run(env)
    assert report.problems == []
    stored = [d async for d in db.monitoring_config.find({"environment": env.name})]
    checks: dict[str, dict[str, Any]] = {}
    for doc in (decode_keys(d) for d in stored if d["host"] != "server"):
        if doc["type"] == "client.json":
            checks |= doc["config"]["checks"]
            assert doc["config"]["client"]["name"] == f"{env.name}-{doc['host']}"
        if doc["type"] == "rabbitmq.json":
            assert doc["config"]["rabbitmq"]["host"] == "10.0.0.99"
    kinds = {name.split("_", 1)[0] for name in checks}
    # the shipped templates check VPP vNICs, and OVS/LXB vConnectors, links and vServices
    expected = {"host", "vedge", "otep", "instance"} | (
        {"vnic"} if driver == "vpp" else {"vconnector", "link", "vservice"})
    assert expected <= kinds, kinds
    assert not [c["command"] for c in checks.values() if re.search(r"\{\w+\}", c["command"])]
    instance = next(c for n, c in checks.items() if n.startswith("instance_"))
    assert "qdhcp-" in instance["command"] and "," in instance["command"]
    results = [CheckResult(name, 0, "ok", datetime.now(UTC)) for name in checks]
    applied = await ResultApplier(db, env.name).apply(results)
    assert (applied.unknown, applied.bad) == (0, 0)
    assert await db.environments_config.count_documents(
        {"name": env.name, "monitoring_setup_done": True}) == 1


async def test_deploy_writes_each_file_once_and_restarts_only_where_changed(
        db, tmp_path: Path) -> None:
    async with SimCloud(spec_from_flags(driver="ovs", **SPEC), env_name="deploy") as sim:
        env = await _with_truth(db, sim, "Deploy", tmp_path / "sensu")
        setup = SensuSetup(db, SshPools(load_settings(), db), hosts_at_once=4)
        first = await setup.run(env)
        hosts = sorted(sim.cloud.hosts)
        assert first.failed_hosts == {} and sorted(first.restarted) == hosts
        per_host = 3 + len(check_programs())  # transport, rabbitmq, client + programs
        assert dict(sim.ssh.files_written) == dict.fromkeys(hosts, per_host)
        assert {h: n for (h, _), n in sim.ssh.restarts.items()} == dict.fromkeys(hosts, 1)
        client = json.loads((sim.ssh.files_root / hosts[0] / "etc/sensu/conf.d/client.json"
                             ).read_text())
        assert client["client"]["name"] == f"deploy-{hosts[0]}" and client["checks"]
        program = sim.ssh.files_root / hosts[0] / "etc/sensu/plugins/check_ping.py"
        assert program.stat().st_mode & 0o777 == 0o755
        sensu_go = (tmp_path / "sensu" / "sensu-go" / f"{hosts[0]}.json").read_text()
        kinds = [json.loads(line)["type"] for line in sensu_go.splitlines()]
        assert kinds[0] == "Handler" and set(kinds[1:]) == {"CheckConfig"}
        assert (tmp_path / "sensu" / "server" / "handlers.json").exists()

        second = await setup.run(env)
        assert (second.deployed, second.restarted, second.files_written,
                second.db_written) == (0, [], 0, 0)
        assert sum(sim.ssh.files_written.values()) == per_host * len(hosts)

        instance = next(iter(sim.cloud.instances.values()))
        await db.inventory.delete_one({"environment": env.name, "id": instance.uuid})
        third = await setup.run(env)
        assert third.deployed == len(third.restarted) >= 1  # one client.json per host
        assert len(third.restarted) < len(hosts)


async def test_ovn_dhcp_is_no_namespace_to_ping_instances_from(db, tmp_path: Path) -> None:
    """ML2/OVN's DHCP is ovn-controller's (no namespace): no instance check pings from it
    (the shipped vService template is for OVS and Linux bridge only)."""
    spec = spec_from_flags(driver="ovn", **(SPEC | {"type_driver": "geneve"}))
    async with SimCloud(spec, env_name="genovn") as sim:
        env = await _with_truth(db, sim, "DB", tmp_path)
        vservices = [o for o in sim.truth()["objects"] if o["type"] == "vservice"]
        report = await SensuSetup(db, SshPools(load_settings(), db), hosts_at_once=4).run(env)
    assert report.problems == []
    assert {v["service_type"] for v in vservices} == {"dhcp", "metadata", "router"}
    checks = await _client_checks(db, env.name)
    assert any(n.startswith("otep_") for n in checks)
    assert not [n for n in checks if n.startswith(("instance_", "vservice_"))]
