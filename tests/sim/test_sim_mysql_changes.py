"""The MySQL channel follows the cloud: every mutation shows in the rows once `synced()`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from test_sim_mysql import ROOT_URI, make_cloud, new_prefix, query

from calipso.sim import Cloud, generate, spec_from_flags
from calipso.sim.model import OWNER_DHCP, OWNER_ROUTER_INTERFACE
from calipso.sim.mysql import MysqlChannel, open_mysql_channel


@pytest.fixture
async def live() -> AsyncIterator[tuple[Cloud, MysqlChannel]]:
    cloud = make_cloud()
    async with open_mysql_channel(cloud, ROOT_URI, prefix=new_prefix()) as ch:
        yield cloud, ch


async def _ports(ch: MysqlChannel, network_id: str) -> dict[str, dict[str, object]]:
    rows = await query(ch, "SELECT p.*, b.host AS binding_host, b.vif_type "
                       "FROM {neutron}.ports p JOIN {neutron}.ml2_port_bindings b "
                       "ON b.port_id = p.id WHERE p.network_id = %s", (network_id,))
    return {str(r["id"]): r for r in rows}


async def _agent_conf(ch: MysqlChannel, agent_id: str) -> dict[str, object]:
    (row,) = await query(ch, "SELECT configurations FROM {neutron}.agents WHERE id = %s",
                         (agent_id,))
    return json.loads(str(row["configurations"]))


async def test_boot_and_delete_an_instance(live: tuple[Cloud, MysqlChannel]) -> None:
    cloud, ch = live
    project = next(p for p in cloud.projects.values() if p.name == "demo")
    net = cloud.create_network("mysql-net", project.id)
    sub = cloud.create_subnet(net.id, "10.77.0.0/24", "mysql-sub")
    host = cloud.compute_hosts()[1].name
    inst = cloud.create_instance("vm-mysql", project.id, [net.id], host=host)
    await ch.synced()

    (row,) = await query(ch, "SELECT i.*, ic.network_info FROM {nova}.instances i JOIN "
                         "{nova}.instance_info_caches ic ON ic.instance_uuid = i.uuid "
                         "WHERE i.uuid = %s", (inst.uuid,))
    assert (row["host"], row["node"], row["display_name"], row["deleted"]) == (
        host, host, "vm-mysql", 0)
    port = cloud.ports[inst.port_ids[0]]
    vif = json.loads(row["network_info"])[0]
    assert vif["address"] == port.mac and vif["network"]["label"] == "mysql-net"
    assert vif["network"]["subnets"][0]["cidr"] == sub.cidr
    ports = await _ports(ch, net.id)
    assert {r["device_owner"] for r in ports.values()} == {OWNER_DHCP, port.device_owner}
    assert ports[port.id]["binding_host"] == host and ports[port.id]["device_id"] == inst.uuid
    (node,) = await query(ch, "SELECT running_vms FROM {nova}.compute_nodes WHERE host = %s",
                          (host,))
    assert node["running_vms"] == len(cloud.instances_on_host(host))
    ovs = next(a for a in cloud.agents_on_host(host) if a.agent_type == "Open vSwitch agent")
    assert (await _agent_conf(ch, ovs.id))["devices"] == len(cloud.ports_on_host(host))

    cloud.delete_instance(inst.uuid)
    await ch.synced()
    (row,) = await query(ch, "SELECT * FROM {nova}.instances WHERE uuid = %s", (inst.uuid,))
    assert row["deleted"] == row["id"] and row["vm_state"] == "deleted"
    assert row["deleted_at"] is not None
    live_rows = await query(ch, "SELECT uuid FROM {nova}.instances WHERE deleted = 0")
    assert {r["uuid"] for r in live_rows} == set(cloud.instances)
    assert port.id not in await _ports(ch, net.id)
    assert await query(ch, "SELECT * FROM {neutron}.ipallocations WHERE port_id = %s",
                       (port.id,)) == []
    assert (await _agent_conf(ch, ovs.id))["devices"] == len(cloud.ports_on_host(host))


async def test_networks_subnets_and_dhcp(live: tuple[Cloud, MysqlChannel]) -> None:
    cloud, ch = live
    project = next(iter(cloud.projects.values()))
    net = cloud.create_network("n-dhcp", project.id)
    sub = cloud.create_subnet(net.id, "10.78.0.0/24")
    await ch.synced()
    (row,) = await query(ch, "SELECT * FROM {neutron}.subnets WHERE id = %s", (sub.id,))
    assert (row["cidr"], row["gateway_ip"], row["enable_dhcp"]) == (sub.cidr, sub.gateway_ip, 1)
    dhcp_host = cloud.dhcp_host(net.id)
    dhcp = next(a for a in cloud.agents_on_host(str(dhcp_host))
                if a.binary == "neutron-dhcp-agent")
    assert await _agent_conf(ch, dhcp.id) == cloud.agent_configurations(dhcp.id)

    cloud.delete_network(net.id)
    await ch.synced()
    for table in ("networks", "subnets"):
        assert await query(ch, f"SELECT * FROM {{neutron}}.{table} WHERE id IN (%s, %s)",
                           (net.id, sub.id)) == []
    assert await query(ch, "SELECT * FROM {neutron}.networksegments WHERE network_id = %s",
                       (net.id,)) == []
    assert await _ports(ch, net.id) == {}
    assert await _agent_conf(ch, dhcp.id) == cloud.agent_configurations(dhcp.id)


async def test_routers_gateways_and_interfaces(live: tuple[Cloud, MysqlChannel]) -> None:
    cloud, ch = live
    project = next(p for p in cloud.projects.values() if p.name == "demo")
    public = next(n for n in cloud.networks.values() if n.external)
    net = cloud.create_network("n-router", project.id)
    sub = cloud.create_subnet(net.id, "10.79.0.0/24", enable_dhcp=False)
    router = cloud.create_router("r-mysql", project.id, external_network_id=public.id)
    cloud.add_router_interface(router.id, sub.id)
    await ch.synced()
    (row,) = await query(ch, "SELECT * FROM {neutron}.routers WHERE id = %s", (router.id,))
    assert row["gw_port_id"] == cloud.routers[router.id].gw_port_id is not None
    (iface,) = (await _ports(ch, net.id)).values()
    assert iface["device_owner"] == OWNER_ROUTER_INTERFACE and iface["device_id"] == router.id
    l3 = next(a for a in cloud.agents_on_host(router.host) if a.binary == "neutron-l3-agent")
    assert await _agent_conf(ch, l3.id) == cloud.agent_configurations(l3.id)

    cloud.remove_router_interface(router.id, sub.id)
    cloud.clear_router_gateway(router.id)
    await ch.synced()
    (row,) = await query(ch, "SELECT * FROM {neutron}.routers WHERE id = %s", (router.id,))
    assert row["gw_port_id"] is None
    assert await _ports(ch, net.id) == {}
    cloud.delete_router(router.id)
    await ch.synced()
    assert await query(ch, "SELECT * FROM {neutron}.routers WHERE id = %s", (router.id,)) == []


async def test_an_unbound_port_then_bound(live: tuple[Cloud, MysqlChannel]) -> None:
    cloud, ch = live
    net = next(n for n in cloud.networks.values() if not n.external)
    port = cloud.create_port(net.id, name="spare")
    await ch.synced()
    row = (await _ports(ch, net.id))[port.id]
    assert (row["status"], row["binding_host"], row["vif_type"]) == ("DOWN", "", "unbound")
    host = cloud.compute_hosts()[0].name
    cloud.bind_port(port.id, host, device_id="some-device")
    await ch.synced()
    row = (await _ports(ch, net.id))[port.id]
    assert (row["status"], row["binding_host"], row["vif_type"]) == ("ACTIVE", host, "ovs")


async def test_changes_made_while_filling_are_applied_after_it() -> None:
    cloud = generate(spec_from_flags(hosts=12, instances=1500, networks=6, seed=3))
    nets = [n for n in cloud.networks.values() if not n.external]
    originals = list(cloud.instances)
    entered = asyncio.Event()

    async def churn() -> int:  # the API channel mutating the cloud all through the set-up
        alive: list[str] = []
        i = 0
        while not entered.is_set():
            net = nets[i % len(nets)]
            alive.append(cloud.create_instance(f"burst-{i}", net.project_id, [net.id]).uuid)
            if len(alive) > 5:
                cloud.delete_instance(alive.pop(0))
            victim = originals[i * 7 % len(originals)]  # and some of the filled ones
            if victim in cloud.instances:
                cloud.delete_instance(victim)
            i += 1
            await asyncio.sleep(0.002)
        return i

    task = asyncio.create_task(churn())
    async with open_mysql_channel(cloud, ROOT_URI, prefix=new_prefix()) as ch:
        entered.set()
        assert await task > 10
        await ch.synced()
        rows = await query(ch, "SELECT i.uuid, ic.network_info FROM {nova}.instances i JOIN "
                           "{nova}.instance_info_caches ic ON ic.instance_uuid = i.uuid "
                           "WHERE i.deleted = 0")
        assert {r["uuid"] for r in rows} == set(cloud.instances)
        for row in rows:
            macs = [v["address"] for v in json.loads(row["network_info"])]
            assert macs == [cloud.ports[p].mac for p in cloud.instances[row["uuid"]].port_ids]
        rows = await query(ch, "SELECT id FROM {neutron}.ports")
        assert {r["id"] for r in rows} == set(cloud.ports)
        rows = await query(ch, "SELECT id, configurations FROM {neutron}.agents")
        assert {r["id"]: json.loads(r["configurations"]) for r in rows} == {
            a: cloud.agent_configurations(a) for a in cloud.agents}
        rows = await query(ch, "SELECT host, running_vms FROM {nova}.compute_nodes")
        assert {r["host"]: r["running_vms"] for r in rows} == {
            h.name: len(cloud.instances_on_host(h.name)) for h in cloud.compute_hosts()}
