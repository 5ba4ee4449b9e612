"""Calipso's own checks against the simulator: faults injected on its hosts mark exactly
the broken objects and links, repair brings them back to OK, one message per change."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from calipso.db import ensure_indexes
from calipso.env_config import EnvironmentConfig
from calipso.monitoring.own_checks import OwnChecks
from calipso.scanners.lifecycle import ScanOptions
from calipso.scanners.metadata_files import load_metadata
from calipso.scanners.scan import run_scan
from calipso.seed import load_seed
from calipso.settings import load_settings
from calipso.sim import spec_from_flags
from calipso.sim.server import SimCloud
from calipso.sources import SshPools

pytestmark = pytest.mark.timeout(180)
SPEC = dict(hosts=4, instances=6, networks=2, driver="ovs", type_driver="vxlan", seed=3)


@contextlib.asynccontextmanager
async def _scanned(db: AsyncDatabase, name: str, **spec: Any
                   ) -> AsyncIterator[tuple[SimCloud, EnvironmentConfig]]:
    await ensure_indexes(db)
    await load_seed(db)
    async with SimCloud(spec_from_flags(**(SPEC | spec)), env_name=name) as sim:
        doc = sim.env_config() | {"enable_monitoring": True}
        env = EnvironmentConfig.model_validate(doc)
        result = await run_scan(db, load_settings(), env, await load_metadata(None),
                                ScanOptions(), "full")
        assert result.status == "completed", result.errors
        yield sim, env.model_copy(update={"scanned": True})


async def _not_ok(db: AsyncDatabase, env: str) -> dict[str, str]:
    out = {}
    # monitoring statuses only: networks and ports hold Neutron's own `status`
    async for d in db.inventory.find({"environment": env, "status_value": {"$exists": True},
                                      "status": {"$ne": "OK"}}):
        out[f"{d['type']} {d['id']}"] = d["status"]
    async for d in db.links.find({"environment": env, "status_value": {"$exists": True},
                                  "status": {"$ne": "OK"}}):
        out[f"{d['link_type']} {d['source_id']} {d['target_id']}"] = d["status"]
    return out


async def _until(check: Callable[[], bool], seconds: float = 60) -> None:
    """Poll the part's /health report as a user would."""
    async with asyncio.timeout(seconds):
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def _ids(db: AsyncDatabase, env: str, **filt: Any) -> list[dict[str, Any]]:
    return [d async for d in db.inventory.find({"environment": env, **filt})]


async def test_faults_mark_exactly_the_broken_objects_and_repair_clears_them(db) -> None:
    async with _scanned(db, "own1") as (sim, env):
        checks = OwnChecks(db, SshPools(load_settings(), db), hosts_at_once=4)
        first = await checks.run_round(env)
        assert first.unreachable == [] and first.applied.bad == 0
        assert first.applied.unknown == 0, "every probe names a stored object or link"
        assert await _not_ok(db, env.name) == {}
        checked = {d["type"] async for d in db.inventory.find(
            {"environment": env.name, "status": "OK"})}
        assert checked >= {"host", "host_pnic", "vedge", "otep", "vconnector", "vservice",
                           "instance"}
        assert await db.links.count_documents({"environment": env.name,
                                               "link_type": "vnic-vconnector",
                                               "status": "OK"}) > 0
        base_messages = await db.messages.count_documents({"environment": env.name})

        cloud = sim.cloud
        network_host = next(h for h in cloud.hosts.values() if h.is_network)
        compute = next(h for h in cloud.hosts.values()
                       if h.is_compute and cloud.instances_on_host(h.name))
        dhcp_net = next(n for n in cloud.networks.values()
                        if cloud.dhcp_host(n.id) == network_host.name)
        sim.ssh.break_pnic(network_host.name, network_host.provider_iface)
        sim.ssh.kill_process(compute.name, "ovs-vswitchd")
        sim.ssh.remove_namespace(network_host.name, f"qdhcp-{dhcp_net.id}")
        await checks.run_round(env)

        pnic = (await _ids(db, env.name, type="host_pnic", host=network_host.name,
                           name=network_host.provider_iface))[0]
        vedges = {d["host"]: d["id"] for d in await _ids(db, env.name, type="vedge")}
        expected = {f"host_pnic {pnic['id']}": "Error",
                    f"vedge-host_pnic {vedges[network_host.name]} {pnic['id']}": "Warning",
                    f"vedge {vedges[compute.name]}": "Error",
                    f"vservice {network_host.name}-qdhcp-{dhcp_net.id}": "Error"}
        for inst in cloud.instances.values():
            nets = {cloud.ports[p].network_id for p in inst.port_ids}
            if dhcp_net.id in nets:
                expected[f"instance {inst.uuid}"] = "Unknown"  # no namespace to ping from
            elif inst.host == compute.name:
                expected[f"instance {inst.uuid}"] = "Error"
        assert await _not_ok(db, env.name) == expected
        changed = await db.messages.count_documents({"environment": env.name}) - base_messages
        assert changed == len(expected)

        sim.ssh.repair()
        await checks.run_round(env)
        assert await _not_ok(db, env.name) == {}
        after_repair = await db.messages.count_documents({"environment": env.name})
        assert after_repair - base_messages == 2 * len(expected)
        await checks.run_round(env)
        assert await db.messages.count_documents({"environment": env.name}) == after_repair


@pytest.mark.parametrize(("driver", "type_driver"), [("lxb", "vxlan"), ("vpp", "vxlan"),
                                                    ("ovn", "geneve")])
async def test_a_healthy_cloud_of_each_driver_is_all_ok(db, driver: str,
                                                       type_driver: str) -> None:
    """Router ports of Linux bridge, OVN's chassis, metadata namespaces, logical
    routers and DHCP (which have no namespace) are checked as they really are."""
    async with _scanned(db, f"own-{driver}", driver=driver,
                        type_driver=type_driver) as (sim, env):
        checks = OwnChecks(db, SshPools(load_settings(), db), hosts_at_once=4)
        report = await checks.run_round(env)
        assert report.unreachable == [] and report.applied.unknown == 0
        assert await _not_ok(db, env.name) == {}
        checked = {d["type"] async for d in db.inventory.find(
            {"environment": env.name, "status": "OK"})}
        assert checked >= {"host", "host_pnic", "vedge", "otep", "vservice", "instance"}
        if driver != "ovn":
            return
        compute = next(h for h in sim.cloud.hosts.values()
                       if h.is_compute and sim.cloud.instances_on_host(h.name))
        sim.ssh.kill_process(compute.name, "ovn-controller")
        await checks.run_round(env)
        vedge = (await _ids(db, env.name, type="vedge", host=compute.name))[0]
        # the DHCP its ovn-controller answers is down with it; the metadata namespaces not
        dhcp = await _ids(db, env.name, type="vservice", host=compute.name, service_type="dhcp")
        assert dhcp and all(d["local_service_id"].startswith("ovn-dhcp-") for d in dhcp)
        assert await _not_ok(db, env.name) == {f"vedge {vedge['id']}": "Warning"} | {
            f"vservice {d['id']}": "Error" for d in dhcp}
        for doc in (vedge, *dhcp):
            assert "ovn-controller not running" in (await _ids(
                db, env.name, id=doc["id"]))[0]["status_text"]


async def test_an_unreachable_host_is_an_error_its_probes_unknown(db) -> None:
    async with _scanned(db, "own2") as (sim, env):
        checks = OwnChecks(db, SshPools(load_settings(), db), hosts_at_once=2)
        compute = next(h for h in sim.cloud.hosts.values() if h.is_compute)
        await sim.ssh.refuse_host(compute.name)
        report = await checks.run_round(env)
        assert report.unreachable == [compute.name]
        host = (await _ids(db, env.name, type="host", id=compute.name))[0]
        assert host["status"] == "Error"
        on_host = {d["status"] for d in await _ids(db, env.name, host=compute.name,
                                                   type={"$in": ["vedge", "host_pnic"]})}
        assert on_host == {"Unknown"}


async def test_serve_runs_the_checks_on_schedule(start_service, db) -> None:
    async with _scanned(db, "own3") as (sim, env):
        await db.environments_config.insert_one(env.to_doc(reveal=True))
        async with start_service(CALIPSO_MONITORING_CHECK_INTERVAL="1") as svc:
            status = svc.ctx.reports["monitoring"]

            def rounds() -> int:
                return status().get("own-checks:own3", {}).get("rounds", 0)

            await _until(lambda: rounds() >= 1)
            compute = next(h for h in sim.cloud.hosts.values() if h.is_compute)
            assert sim.api is not None
            async with aiohttp.ClientSession() as http:  # the simulator's admin API
                async with http.put(f"{sim.api.urls['keystone']}/sim/breakage", json={
                        "dead": [[compute.name, "ovs-vswitchd"]]}) as resp:
                    assert resp.status == 200
                    assert (await resp.json())["dead"] == [[compute.name, "ovs-vswitchd"]]
            done = rounds()
            await _until(lambda: rounds() >= done + 2)  # within two intervals
            vedge = (await _ids(db, env.name, type="vedge", host=compute.name))[0]
            assert vedge["status"] == "Error"
            assert "ovs-vswitchd" in vedge["status_text"]
