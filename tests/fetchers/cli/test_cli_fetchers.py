"""The CLI fetchers against simulated clouds over real SSH: their objects equal the truth.

Every CLI fetcher of the host part of the scanner tree runs through the real walker and a
real ``ScanContext`` (SSH pool through the simulator's master host, its Neutron API);
the objects of the CLI types (vServices and their folders, vNICs, pNICs, vConnectors,
vEdges, OTEPs) must equal the truth: ids, parents, paths, names and the truth's fields.
"""

from __future__ import annotations

import asyncio

import aiomysql
import pytest
from cli_harness import cli_context, differences, environment, scan_hosts, sim_with_ssh
from pymongo.asynchronous.database import AsyncDatabase

from calipso.sim import generate, spec_from_flags

CLOUDS = [
    pytest.param({"driver": "ovs", "type_driver": "vxlan"}, {}, id="ovs-hybrid-vxlan"),
    pytest.param({"driver": "ovs", "type_driver": "vxlan", "ssh": {"ovs_legacy": True},
                  "hosts": {"controllers": 1, "networks": 1, "computes": 3}}, {},
                 id="ovs2-hybrid-vxlan-split-roles"),
    pytest.param({"driver": "lxb", "type_driver": "vxlan", "ssh": {"sudo_warning": True},
                  "hosts": {"controllers": 1, "networks": 2, "computes": 2}}, {},
                 id="lxb-vxlan-two-network-hosts-sudo-warning"),
    pytest.param({"driver": "ovs", "type_driver": "vlan"}, {}, id="ovs-hybrid-vlan"),
    pytest.param({"driver": "ovs", "type_driver": "vxlan", "firewall": "openvswitch"}, {},
                 id="ovs-ovsfw-vxlan"),
    pytest.param({"driver": "ovs", "type_driver": "vlan", "firewall": "openvswitch",
                  "bonds": 2}, {}, id="ovs-ovsfw-vlan-bonds"),
    pytest.param({"driver": "lxb", "type_driver": "vxlan"}, {}, id="lxb-vxlan"),
    pytest.param({"driver": "lxb", "type_driver": "vlan", "bonds": 1}, {}, id="lxb-vlan-bond"),
    pytest.param({"driver": "vpp", "type_driver": "vxlan"}, {}, id="vpp-vxlan"),
    pytest.param({"driver": "vpp", "type_driver": "vlan"}, {}, id="vpp-vlan"),
    pytest.param({"driver": "ovn"}, {}, id="ovn-geneve"),
    pytest.param({"driver": "ovn", "type_driver": "vlan", "bonds": 1,
                  "hosts": {"controllers": 1, "networks": 2, "computes": 2}}, {},
                 id="ovn-vlan-bond-two-gateways"),
]


@pytest.mark.parametrize(("flags", "gap"), CLOUDS)
async def test_cli_objects_equal_the_truth(flags: dict, gap: dict, db: AsyncDatabase) -> None:
    flags = dict(flags)
    ssh = dict(flags.pop("ssh", {}))
    spec = spec_from_flags(**{"hosts": 5, "instances": 8, "networks": 3, "seed": 7, **flags})
    if ssh.pop("sudo_warning", False):  # `sudo` complains on stderr; the exit status is 0
        ssh["sudo_warning_hosts"] = [h.name for h in generate(spec).hosts.values()]
    async with sim_with_ssh(spec, **ssh) as (sim, channel), cli_context(
            environment(sim, channel), db) as ctx:
        truth = sim.truth()
        await scan_hosts(ctx, truth)
        assert ctx.state.failures == []
        diff = differences(truth["objects"], list(ctx.state.objects.values()), **gap)
        assert not diff, "\n".join(diff)
        stored = await db.inventory.count_documents({"environment": "cli"})
        assert stored == len(ctx.state.objects) - len(
            [d for d in truth["objects"] if d["type"] in SEEDED_TYPES])


SEEDED_TYPES = frozenset({"regions_folder", "region", "aggregates_folder", "aggregate",
                          "host_ref", "availability_zones_folder", "availability_zone",
                          "host", "projects_folder", "project", "networks_folder", "network",
                          "ports_folder", "network_services_folder", "port"})


@pytest.mark.parametrize("driver", ["ovs", "lxb"])
async def test_otep_udp_port_comes_from_mysql_when_configured(
        driver: str, db: AsyncDatabase) -> None:
    spec = spec_from_flags(hosts=3, instances=3, networks=1, driver=driver)
    async with sim_with_ssh(spec, mysql=True, env_name=f"cli-my-{driver}") as (
            sim, channel), cli_context(environment(sim, channel), db) as ctx:
        assert ctx.mysql is not None
        host = sim.cloud.compute_hosts()[0].name
        neutron = sim.mysql.schemas["neutron"]
        conn = await aiomysql.connect(host="127.0.0.1", port=3306, user="root",
                                      autocommit=True)
        try:
            async with conn.cursor() as cur:
                await cur.execute(f"UPDATE `{neutron}`.ml2_vxlan_endpoints SET udp_port = 4790"
                                  " WHERE host = %s", (host,))
        finally:
            conn.close()
        truth = sim.truth()
        await scan_hosts(ctx, truth)
        assert ctx.state.failures == []
        oteps = {d["host"]: d for d in ctx.state.objects.values() if d["type"] == "otep"}
        assert oteps[host]["udp_port"] == 4790
        standard = 8472 if driver == "lxb" else 4789
        assert {o["udp_port"] for h, o in oteps.items() if h != host} == {standard}
        diff = differences(truth["objects"], list(ctx.state.objects.values()),
                           ignore=("udp_port",))
        assert not diff, "\n".join(diff)


@pytest.mark.parametrize("driver", ["ovs", "lxb", "vpp"])
async def test_second_scan_of_an_unchanged_cloud_stores_the_same(
        driver: str, db: AsyncDatabase) -> None:
    spec = spec_from_flags(hosts=3, instances=4, networks=2, driver=driver)
    async with sim_with_ssh(spec) as (sim, channel):
        stored = []
        for _ in range(2):
            await asyncio.sleep(1.1)  # agents' heartbeats move on (seconds)
            async with cli_context(environment(sim, channel), db) as ctx:
                await scan_hosts(ctx, sim.truth())
            stored.append(await db.inventory.find(
                {"environment": "cli"}, {"_id": 0, "last_scanned": 0}).sort("id").to_list(None))
    assert stored[0] and stored[1] == stored[0]
