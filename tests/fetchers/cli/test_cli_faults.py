"""Faults seen by the CLI fetchers, and the per-scan sharing of command output.

A refused host and a failing command surface as ``SshError`` (with the command's exit
status); the walker records them and the host's other fetchers, and the other hosts, still
equal the truth. Per host and scan, ``virsh list`` runs once and ``virsh dumpxml`` once per
domain, however many instances ask concurrently.
"""

from __future__ import annotations

import asyncio

import pytest
from cli_harness import cli_context, differences, environment, scan_hosts, sim_with_ssh
from pymongo.asynchronous.database import AsyncDatabase

from calipso.errors import SshError
from calipso.fetchers.cli.cli_fetch_host_pnics import CliFetchHostPnics
from calipso.fetchers.cli.cli_fetch_instance_vnics import CliFetchInstanceVnics
from calipso.sim import spec_from_flags

SPEC = spec_from_flags(hosts=4, instances=6, networks=2, seed=3, driver="ovs",
                       type_driver="vxlan")


async def test_refused_host_is_an_ssh_error_and_the_rest_is_found(db: AsyncDatabase) -> None:
    async with sim_with_ssh(SPEC) as (sim, channel), cli_context(
            environment(sim, channel), db) as ctx:
        dead = sim.cloud.compute_hosts()[-1].name
        await channel.refuse_host(dead)
        truth = sim.truth()
        for doc in truth["objects"]:
            if doc["type"] == "host":
                ctx.state.remember(dict(doc))
        with pytest.raises(SshError) as caught:
            await CliFetchHostPnics(ctx).get(dead)
        assert caught.value.host == dead
        await scan_hosts(ctx, truth)
        assert dead in ctx.state.failed_hosts
        assert {f.scope.split("/")[-1] for f in ctx.state.failures} >= {
            f"{dead}-host_pnics", f"{dead}-vconnectors", f"{dead}-vedges"}
        alive = [d for d in truth["objects"] if d.get("host") != dead
                 and not d["id"].startswith(dead)]
        found = [d for d in ctx.state.objects.values() if d.get("host") != dead]
        diff = differences(alive, found)
        assert not diff, "\n".join(diff)


async def test_failing_command_is_an_ssh_error_with_its_exit_status(db: AsyncDatabase) -> None:
    async with sim_with_ssh(SPEC) as (sim, channel), cli_context(
            environment(sim, channel), db) as ctx:
        host = sim.cloud.compute_hosts()[0].name
        channel.fail_command("ethtool", exit_status=75, stderr="ethtool: device busy",
                             hosts=[host])
        truth = sim.truth()
        await scan_hosts(ctx, truth)
        [failure] = ctx.state.failures
        assert failure.object_type == "host_pnic" and failure.source == "ssh"
        assert "ethtool" in failure.target and "exit status 75" in failure.error
        assert "device busy" in failure.error
        with pytest.raises(SshError) as caught:
            await CliFetchHostPnics(ctx).get(f"{host}-host_pnics")
        assert caught.value.exit_status == 75
        # the host's other fetchers, and every other host, are unaffected
        others = [d for d in truth["objects"]
                  if not (d["type"] == "host_pnic" and d.get("host") == host)]
        diff = differences(others, list(ctx.state.objects.values()))
        assert not diff, "\n".join(diff)
        assert not any(d["type"] == "host_pnic" and d.get("host") == host
                       for d in ctx.state.objects.values())


async def test_virsh_runs_once_per_host_however_many_instances_ask(
        db: AsyncDatabase) -> None:
    spec = spec_from_flags(hosts=2, instances=5, networks=1, driver="lxb")
    async with sim_with_ssh(spec) as (sim, channel), cli_context(
            environment(sim, channel), db) as ctx:
        truth = sim.truth()
        for doc in truth["objects"]:
            if doc["type"] in ("host", "instances_folder", "instance", "vnics_folder", "port"):
                ctx.state.remember(dict(doc))
        [compute] = sim.cloud.compute_hosts()
        instances = sim.cloud.instances_on_host(compute.name)
        assert len(instances) == 5
        fetcher = CliFetchInstanceVnics(ctx)
        before = channel.commands_by_host[compute.name]
        results = await asyncio.gather(*(fetcher.get(f"{i.uuid}-vnics") for i in instances))
        assert channel.commands_by_host[compute.name] - before == 1 + len(instances)
        assert sorted(len(r) for r in results) == [1] * 5
        again = await fetcher.get(f"{instances[0].uuid}-vnics")
        assert again == results[0]
        assert channel.commands_by_host[compute.name] - before == 1 + len(instances)


@pytest.mark.parametrize("flags", [
    {"driver": "ovs", "firewall": "openvswitch", "bonds": 1},
    {"driver": "ovs", "type_driver": "vlan"},
    {"driver": "lxb"},
    {"driver": "vpp"},
], ids=["ovsfw-bond", "ovs-vlan", "lxb", "vpp"])
async def test_no_command_runs_twice_on_a_host_in_a_scan(flags: dict,
                                                         db: AsyncDatabase) -> None:
    spec = spec_from_flags(hosts=3, instances=6, networks=2, **flags)
    async with sim_with_ssh(spec) as (sim, channel), cli_context(
            environment(sim, channel), db, log=True) as ctx:
        await scan_hosts(ctx, sim.truth())
        assert ctx.state.failures == []
        runs = ctx.ssh.runs  # type: ignore[union-attr]
        assert runs and len(runs) == len(set(runs)), sorted(
            r for r in set(runs) if runs.count(r) > 1)


async def test_namespace_or_domain_gone_since_listed_is_skipped(db: AsyncDatabase) -> None:
    async with sim_with_ssh(SPEC) as (sim, channel), cli_context(
            environment(sim, channel), db) as ctx:
        truth = sim.truth()
        network_host = sim.cloud.network_hosts()[0].name
        namespace = next(iter(sim.cloud.wiring(network_host).namespaces))
        channel.fail_command(f"ip netns exec {namespace} ", stderr=(
            f'Cannot open network namespace "{namespace}": No such file or directory'))
        compute = sim.cloud.compute_hosts()[0]
        ended = sim.cloud.instances_on_host(compute.name)[0]
        channel.fail_command(f"virsh dumpxml {ended.domain_id}", hosts=[compute.name],
                             stderr=f"error: failed to get domain '{ended.domain_id}'")
        await scan_hosts(ctx, truth)
        assert ctx.state.failures == []
        gone = {f"{network_host}-{namespace}", ended.uuid}
        kept = [d for d in truth["objects"]
                if not (d["type"] == "vnic" and any(g in d["id_path"] for g in gone))]
        assert len(truth["objects"]) - len(kept) >= 2  # one vNIC of each is not seen
        diff = differences(kept, list(ctx.state.objects.values()))
        assert not diff, "\n".join(diff)
