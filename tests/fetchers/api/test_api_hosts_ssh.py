"""Hosts with their OS read over SSH from the simulator's hosts (through the master host),
and a dead host: stored without OS, its failure recorded, the others complete."""

from __future__ import annotations

from fetch_harness import ApiScan, open_sim, scan_context
from pymongo.asynchronous.database import AsyncDatabase
from truth_compare import differences

from calipso.fetchers.api.api_fetch_project_hosts import OS_COMMAND
from calipso.sim import spec_from_flags

SPEC = spec_from_flags(hosts=4, instances=3, networks=2, seed=6)


async def test_hosts_with_os_equal_the_truth(db: AsyncDatabase) -> None:
    async with open_sim(SPEC, ssh=True) as (sim, env), scan_context(env, db, ssh=True) as ctx:
        await ApiScan(ctx).all()
        found = list(ctx.state.objects.values())
        truth = sim.truth()["objects"]
    assert ctx.state.failures == []
    assert differences(truth, found, "host") == []
    assert all(h["OS"]["architecure"] == "x86_64" for h in ctx.of_type("host"))


async def test_dead_host_is_stored_without_os(db: AsyncDatabase) -> None:
    async with open_sim(SPEC, ssh=True, dead_hosts=1) as (sim, env), \
            scan_context(env, db, ssh=True) as ctx:
        await ApiScan(ctx).all()
        truth = sim.truth()["objects"]
    hosts = {h["id"]: h for h in ctx.of_type("host")}
    assert hosts.keys() == {d["id"] for d in truth if d["type"] == "host"}
    [dead] = [h for h in hosts.values() if "OS" not in h]
    [failure] = ctx.state.failures
    assert (failure.object_type, failure.source) == ("host", "ssh")
    assert failure.target == f"{dead['id']}: {OS_COMMAND}"
    assert failure.scope == dead["id_path"]
    assert ctx.state.failed_hosts == {dead["id"]}
    alive = [h for h in truth if h["type"] == "host" and h["id"] != dead["id"]]
    assert differences(alive, list(hosts.values()), "host") == [
        f"host {dead['id']}: not in the truth"]  # the others have their OS


async def test_more_hosts_than_ssh_connections(db: AsyncDatabase) -> None:
    """Each OS read gives its connection back: 6 hosts through 2 connections."""
    topology = spec_from_flags(hosts=6, instances=2, networks=1, seed=6)
    async with open_sim(topology, ssh=True) as (sim, env), \
            scan_context(env, db, ssh=True, max_ssh_connections=2) as ctx:
        await ApiScan(ctx).all()
        truth = sim.truth()["objects"]
    assert ctx.state.failures == []
    assert differences(truth, ctx.of_type("host"), "host") == []
