"""Faults on the API side: 5xx answers are retried, a call that keeps failing raises
``ApiError`` and the walker records it; a host whose SSH fails is stored without OS."""

from __future__ import annotations

import asyncio

import pytest
from fetch_harness import ApiScan, open_sim, scan_context
from pymongo.asynchronous.database import AsyncDatabase
from truth_compare import differences

from calipso.errors import ApiError
from calipso.fetchers.api.api_fetch_networks import ApiFetchNetworks
from calipso.fetchers.api.api_fetch_regions import ApiFetchRegions
from calipso.inventory import root_parent
from calipso.sim import spec_from_flags
from calipso.sim.api import ApiOptions

SPEC = spec_from_flags(hosts=3, instances=4, networks=2, seed=3)


async def test_5xx_answers_are_retried(db: AsyncDatabase) -> None:
    async with open_sim(SPEC) as (sim, env), scan_context(env, db) as ctx:
        failed: list[int] = []

        def recover() -> None:
            assert sim.api is not None
            failed.append(sim.api.calls)  # every one of these was answered 500
            sim.set_faults(error_rate=0.0)

        scan = ApiScan(ctx)
        sim.set_faults(error_rate=1.0)
        asyncio.get_running_loop().call_later(0.1, recover)
        await scan.all()
        assert ctx.state.failures == []
        assert failed and failed[0] >= 1
        found = list(ctx.state.objects.values())
        truth = sim.truth()["objects"]
    for type_ in ("region", "project", "network", "port", "host", "instance"):
        assert differences(truth, found, type_, ignore=("OS",)) == []


async def test_a_failing_call_raises_api_error_and_is_recorded(db: AsyncDatabase) -> None:
    async with open_sim(SPEC) as (sim, env), scan_context(env, db) as ctx:
        scan = ApiScan(ctx)
        [regions] = await scan.run("ScanEnvironment", "regions_folder",
                                   root_parent(env.name))
        [region] = await scan.run("ScanRegionsRoot", "region", regions)
        sim.set_faults(error_rate=1.0)
        with pytest.raises(ApiError) as caught:
            await ApiFetchNetworks(ctx).get(region["id"])
        assert caught.value.status == 500
        assert await scan.run("ScanRegion", "network", region) == []
        [failure] = ctx.state.failures
        assert failure.source == "api" and failure.object_type == "network"
        assert "v2.0/networks" in failure.target or "v2.0/subnets" in failure.target


async def test_wrong_password_is_an_api_error(db: AsyncDatabase) -> None:
    async with open_sim(SPEC) as (_, env):
        doc = env.model_dump(mode="python", by_alias=True)
        doc["configuration"][0]["pwd"] = "wrong"
        bad = type(env).model_validate(doc)
        async with scan_context(bad, db) as ctx:
            with pytest.raises(ApiError) as caught:
                await ApiFetchRegions(ctx).get(f"{env.name}-regions")
    assert caught.value.status == 401


async def test_servers_listing_is_followed_across_pages(db: AsyncDatabase) -> None:
    topology = spec_from_flags(hosts=3, instances=23, networks=2, seed=4)
    async with open_sim(topology, api_options=ApiOptions(nova_max_limit=5)) as (sim, env), \
            scan_context(env, db) as ctx:
        await ApiScan(ctx).all()
        found = list(ctx.state.objects.values())
        truth = sim.truth()["objects"]
    assert len([d for d in found if d["type"] == "instance"]) == 23
    assert differences(truth, found, "instance") == []


async def test_host_without_ssh_is_stored_without_os(db: AsyncDatabase) -> None:
    """The CLI section points at a closed port: every host is kept, each failure noted."""
    async with open_sim(SPEC) as (sim, env), scan_context(env, db, ssh=True) as ctx:
        await ApiScan(ctx).all()
        hosts = ctx.of_type("host")
        truth = sim.truth()["objects"]
        expected = {d["id"] for d in truth if d["type"] == "host"}
    assert {h["id"] for h in hosts} == expected
    assert all("OS" not in h for h in hosts)
    assert differences(truth, hosts, "host", ignore=("OS",)) == []
    os_failures = [f for f in ctx.state.failures if f.object_type == "host"]
    assert {f.target.split(":")[0] for f in os_failures} == expected
    assert all(f.source == "ssh" and f.scope.endswith(f.target.split(":")[0])
               for f in os_failures)
    assert ctx.state.failed_hosts == expected


async def test_a_failing_database_falls_back_to_neutron(db: AsyncDatabase) -> None:
    """MySQL only enriches: a query that fails is reported once, and network_info is
    rebuilt from Neutron for every instance."""
    async with open_sim(SPEC, mysql=True) as (sim, env):
        doc = env.model_dump(mode="python", by_alias=True)
        for section in doc["configuration"]:
            if section["name"] == "mysql":
                section["schema"] = "no_such_nova"
        bad = type(env).model_validate(doc)
        async with scan_context(bad, db) as ctx:
            await ApiScan(ctx).all()
            found = list(ctx.state.objects.values())
            truth = sim.truth()["objects"]
    assert differences(truth, found, "instance") == []
    [failure] = ctx.state.failures
    assert (failure.source, failure.object_type) == ("mysql", "network_info")


async def test_networks_wait_for_their_project(db: AsyncDatabase) -> None:
    """A network is filed under its project: none is returned before projects are known."""
    async with open_sim(SPEC) as (sim, env), scan_context(env, db) as ctx:
        region = next(iter(sim.cloud.regions))
        assert await ApiFetchNetworks(ctx).get(region) == []
        scan = ApiScan(ctx)
        [projects] = await scan.run("ScanEnvironment", "projects_folder",
                                    root_parent(env.name))
        await scan.run("ScanProjectsRoot", "project", projects)
        assert len(await ApiFetchNetworks(ctx).get(region)) == len(sim.cloud.networks)
