"""The API fetchers against a simulated cloud: every object they produce equals the
truth of its type (ids, parents, paths and the truth's key fields, field by field)."""

from __future__ import annotations

import asyncio

import pytest
from fetch_harness import ApiScan, open_sim, scan_context
from pymongo.asynchronous.database import AsyncDatabase
from truth_compare import differences

from calipso.fetchers.api.api_fetch_availability_zones import ApiFetchAvailabilityZones
from calipso.fetchers.api.api_fetch_project_hosts import ApiFetchProjectHosts
from calipso.sim import spec_from_flags
from calipso.sim.spec import TopologySpec

API_TYPES = ("regions_folder", "region", "aggregates_folder", "aggregate", "host_ref",
             "projects_folder", "project", "networks_folder", "network", "ports_folder",
             "network_services_folder", "port", "availability_zones_folder",
             "availability_zone", "host", "instances_folder", "instance",
             "network_agents_folder", "network_agent")
NOT_API = ("OS",)  # read over SSH: see test_api_hosts_ssh.py
DRIVERS = [("ovs", "vxlan"), ("ovs", "vlan"), ("lxb", "vxlan"), ("lxb", "vlan"),
           ("vpp", "vxlan"), ("vpp", "vlan")]


def spec(driver: str, type_driver: str, **more: object) -> TopologySpec:
    return spec_from_flags(hosts=4, instances=6, networks=2, driver=driver,
                           type_driver=type_driver, seed=5,
                           aggregates=[{"name": "fast", "availability_zone": "nova",
                                        "hosts": 2, "metadata": {"ssd": "true"}}], **more)


async def scan_problems(db: AsyncDatabase, topology: TopologySpec, *,
                        mysql: bool = False) -> list[str]:
    async with open_sim(topology, mysql=mysql) as (sim, env), scan_context(env, db) as ctx:
        await ApiScan(ctx).all()
        found = list(ctx.state.objects.values())
        truth = sim.truth()["objects"]
        assert (ctx.mysql is not None) is mysql
    return [p for t in API_TYPES for p in differences(truth, found, t, ignore=NOT_API)]


@pytest.mark.parametrize(("driver", "type_driver"), DRIVERS)
async def test_api_objects_equal_the_truth(db: AsyncDatabase, driver: str,
                                           type_driver: str) -> None:
    problems = await scan_problems(db, spec(driver, type_driver))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("driver", "type_driver"), DRIVERS)
async def test_with_the_mysql_source_too(db: AsyncDatabase, driver: str,
                                         type_driver: str) -> None:
    problems = await scan_problems(db, spec(driver, type_driver), mysql=True)
    assert not problems, "\n".join(problems)


async def test_all_in_one_and_openvswitch_firewall(db: AsyncDatabase) -> None:
    problems = await scan_problems(db, spec_from_flags(
        hosts=1, instances=3, networks=2, firewall="openvswitch", seed=2, ports_per_instance=2))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("version", ["v2.0", "v3"])
async def test_keystone_of_one_version_only(db: AsyncDatabase, version: str) -> None:
    """v2.0 only: the token from /v2.0/tokens, projects from /v2.0/tenants; v3 only (as
    current clouds): /v3 for both."""
    topology = spec("ovs", "vxlan", keystone_versions=[version])
    async with open_sim(topology) as (sim, env), scan_context(env, db) as ctx:
        await ApiScan(ctx).all()
        assert (await ctx.api.token()).version == version  # type: ignore[union-attr]
        found = list(ctx.state.objects.values())
        truth = sim.truth()["objects"]
    problems = [p for t in API_TYPES for p in differences(truth, found, t, ignore=NOT_API)]
    assert not problems, "\n".join(problems)
    assert {p["name"] for p in found if p["type"] == "project"} == {"admin", "demo", "service"}


async def test_calls_do_not_grow_with_hosts_and_instances(db: AsyncDatabase) -> None:
    """One listing per resource and region serves every host, network and instance."""
    calls = []
    for hosts, instances in ((2, 2), (9, 40)):
        topology = spec_from_flags(hosts=hosts, instances=instances, networks=3, seed=1)
        async with open_sim(topology) as (sim, env), scan_context(env, db) as ctx:
            await ApiScan(ctx).all()
            assert len(ctx.of_type("instance")) == instances
            assert sim.api is not None
            calls.append(sim.api.calls)
    assert calls[0] == calls[1] <= 16


async def test_zones_and_hosts_under_a_region_or_the_admin_project(db: AsyncDatabase) -> None:
    """Under the admin project: every region's; another project: none; a region: its own."""
    async with open_sim(spec("ovs", "vxlan")) as (sim, env), scan_context(env, db) as ctx:
        truth = sim.truth()["objects"]
        for fetcher in (ApiFetchAvailabilityZones(ctx), ApiFetchProjectHosts(ctx)):
            by_admin = await fetcher.get("admin")
            assert await fetcher.get("demo") == []
            assert await fetcher.get("RegionOne") == by_admin
            type_ = "availability_zone" if "zone" not in by_admin[0] else "host"
            assert {d["id"] for d in by_admin} == {
                d["id"] for d in truth if d["type"] == type_}


async def test_a_second_scan_finds_the_same_documents(db: AsyncDatabase) -> None:
    """Nothing churns between scans of an unchanged cloud (no heartbeats, no timestamps
    of the scan itself): a re-scan changes nothing but last_scanned."""
    async with open_sim(spec("ovs", "vxlan"), mysql=True) as (_, env):
        runs = []
        for run in range(2):
            await asyncio.sleep(1.1 * run)  # heartbeats are stamped to the second
            async with scan_context(env, db) as ctx:
                await ApiScan(ctx).all()
                runs.append(ctx.state.objects)
    assert runs[0] == runs[1]


@pytest.mark.parametrize("mysql", [False, True])
async def test_an_instance_has_its_own_address_not_its_hosts(db: AsyncDatabase,
                                                             mysql: bool) -> None:
    async with open_sim(spec("ovs", "vxlan"), mysql=mysql) as (sim, env), \
            scan_context(env, db) as ctx:
        await ApiScan(ctx).all()
        instances = ctx.of_type("instance")
        cloud = sim.cloud
    assert instances
    for doc in instances:
        inst = cloud.instances[doc["id"]]
        own = [ip.ip_address for p in inst.port_ids for ip in cloud.ports[p].fixed_ips]
        assert doc["ip_address"] == own[0]
        assert doc["ip_address"] != cloud.hosts[inst.host].ip
