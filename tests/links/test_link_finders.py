"""The link finders over small inventories in the real database."""

from __future__ import annotations

from datetime import timedelta

from link_topology import (
    COMPUTE,
    NETWORK_NODE,
    NETWORKS,
    env_config,
    insert,
    link_context,
    links_of,
    new_env_name,
    ovs_cloud,
    pairs,
    want_implicit,
)
from pymongo.asynchronous.database import AsyncDatabase

from calipso.config_paths import SHIPPED_CONFIG
from calipso.links import find_links, load_link_plan

PLAN = load_link_plan(SHIPPED_CONFIG / "link_finders.json")
NET_A = NETWORKS["net-a"][0]
TAP_A = f"{COMPUTE}-tap00000001-01"
DHCP_A = f"{NETWORK_NODE}-tap00000065-65"


async def _run(db: AsyncDatabase, hybrid: bool = True, type_driver: str = "vxlan"):
    env = env_config(new_env_name(), type_driver=type_driver)
    await insert(db, env.name, ovs_cloud(hybrid=hybrid))
    await want_implicit(db, env.name)
    ctx = link_context(db, env)
    count = await find_links(ctx, PLAN)
    return env, ctx, count


async def test_hybrid_plug_chain_from_instance_to_network(db: AsyncDatabase) -> None:
    env, _, count = await _run(db)
    links = await links_of(db, env.name, implicit=False)
    assert count == len(await links_of(db, env.name))
    vconnector = f"{COMPUTE}-qbr00000001-01-8000.1"
    vedge, otep = f"agent-0001-{COMPUTE}", f"{COMPUTE}-otep"
    assert {
        ("instance-vnic", "inst-net-a", TAP_A),
        ("vnic-vconnector", TAP_A, vconnector),
        ("vconnector-vedge", vconnector, vedge),
        ("vedge-otep", vedge, otep),
        ("otep-host_pnic", otep, "eth1-52:54:00:00:01:01"),
        ("host_pnic-network", "eth1-52:54:00:00:01:01", NET_A),
    } <= pairs(links)
    by_type = {d["link_type"]: d for d in links if d["source_id"] in
               {"inst-net-a", TAP_A, vconnector}}
    instance_vnic = by_type["instance-vnic"]
    assert instance_vnic["link_name"] == "net-a"
    assert instance_vnic["attributes"] == {"network": NET_A}
    assert instance_vnic["host"] == COMPUTE and instance_vnic["state"] == "up"
    assert instance_vnic["implicit"] is False and instance_vnic["link_weight"] == 0
    inventory = {d["_id"]: d["id"] for d in await db.inventory.find(
        {"environment": env.name}).to_list(None)}
    assert inventory[instance_vnic["source"]] == "inst-net-a"
    assert inventory[instance_vnic["target"]] == TAP_A
    assert by_type["vnic-vconnector"]["link_name"] == "fa:16:3e:00:00:01"
    assert by_type["vconnector-vedge"]["link_name"] == "port-11-1"
    assert by_type["vconnector-vedge"]["attributes"] == {
        "mac_address": "fa:16:3e:00:00:01", "network": NET_A}
    # the vNIC and the bridge learnt their network
    vnic = await db.inventory.find_one({"environment": env.name, "id": TAP_A})
    bridge = await db.inventory.find_one({"environment": env.name, "id": vconnector})
    assert vnic["network"] == NET_A and bridge["network"] == NET_A


async def test_tap_on_br_int_links_vnic_to_vedge(db: AsyncDatabase) -> None:
    env, _, _ = await _run(db, hybrid=False)
    links = await links_of(db, env.name, implicit=False)
    vedge = f"agent-0001-{COMPUTE}"
    assert ("vnic-vedge", TAP_A, vedge) in pairs(links)
    assert not [d for d in links if d["link_type"] in ("vnic-vconnector", "vconnector-vedge")]
    link = next(d for d in links if d["link_type"] == "vnic-vedge" and d["source_id"] == TAP_A)
    assert link["link_name"] == f"tap00000001-01-{COMPUTE}-OVS-1"
    assert link["source_label"] == "fa:16:3e:00:00:01" and link["target_label"] == "11"
    assert link["attributes"] == {"network": NET_A}


async def test_br_int_bridge_of_the_openvswitch_firewall(db: AsyncDatabase) -> None:
    env = env_config(new_env_name())
    docs = ovs_cloud(hybrid=False)
    for host, taps in ((COMPUTE, ["tap00000001-01", "tap00000002-02"]),
                       (NETWORK_NODE, ["tap00000065-65", "tap00000066-66"])):
        docs.append({"id": f"{host}-br-int-0000aa", "type": "vconnector",
                     "name": f"{host}-br-int", "bridge_name": "br-int", "host": host,
                     "interfaces_names": ["br-int", "patch-tun", *taps]})
    await insert(db, env.name, docs)
    await find_links(link_context(db, env), PLAN)
    links = await links_of(db, env.name, implicit=False)
    br_int = f"{COMPUTE}-br-int-0000aa"
    assert {("vnic-vconnector", TAP_A, br_int), ("vnic-vedge", TAP_A, f"agent-0001-{COMPUTE}"),
            ("vconnector-vedge", br_int, f"agent-0001-{COMPUTE}")} <= pairs(links)
    bridge = next(d for d in links if d["link_type"] == "vconnector-vedge"
                  and d["source_id"] == br_int)
    assert bridge["link_name"] == "port-1"
    # the compute's br-int carries the taps of two networks: it has no network of its own
    stored = await db.inventory.find_one({"environment": env.name, "id": br_int})
    assert stored is not None and stored.get("network") is None
    assert "network" not in bridge["attributes"]
    # the DHCP port is an internal port of the vEdge, not a member of the bridge
    assert ("vnic-vedge", DHCP_A, f"agent-0002-{NETWORK_NODE}") in pairs(links)
    assert not [d for d in links if d["source_id"] == DHCP_A
                and d["link_type"] == "vnic-vconnector"]


async def test_vservice_links_and_network_node(db: AsyncDatabase) -> None:
    env, _, _ = await _run(db)
    links = await links_of(db, env.name, implicit=False)
    vservice = f"{NETWORK_NODE}-qdhcp-{NET_A}"
    vedge = f"agent-0002-{NETWORK_NODE}"
    assert {("vservice-vnic", vservice, DHCP_A), ("vnic-vedge", DHCP_A, vedge),
            ("vedge-otep", vedge, f"{NETWORK_NODE}-otep")} <= pairs(links)
    link = next(d for d in links if d["link_type"] == "vservice-vnic"
                and d["target_id"] == DHCP_A)
    assert link["link_name"] == "net-a" and link["attributes"] == {"network": NET_A}
    # vxlan networks with ports on a host hang off the NIC holding its tunnel address
    pnic_networks = {(d["source_id"], d["target_id"]) for d in links
                     if d["link_type"] == "host_pnic-network"}
    assert pnic_networks == {(f"eth1-52:54:00:00:0{h}:01", net)
                             for h in (1, 2) for net, _ in NETWORKS.values()}
    segment = next(d for d in links if d["link_type"] == "host_pnic-network"
                   and d["target_id"] == NET_A)
    assert segment["link_name"] == "Segment-101" and segment["state"] == "up"


async def test_vlan_networks_only_on_the_vedge_uplink(db: AsyncDatabase) -> None:
    env = env_config(new_env_name(), type_driver="vlan")
    docs = ovs_cloud()
    for doc in docs:
        if doc["type"] == "network":
            doc["provider:network_type"] = "vlan"
        if doc["type"] == "vedge" and doc["host"] == COMPUTE:
            doc["ports"]["eth1"] = {"id": "7", "name": "eth1"}
            doc["pnic"] = "eth1"
    await insert(db, env.name, docs)
    await find_links(link_context(db, env), PLAN)
    links = await links_of(db, env.name, implicit=False)
    assert ("vedge-host_pnic", f"agent-0001-{COMPUTE}", "eth1-52:54:00:00:01:01") in pairs(links)
    carriers = {d["source_id"] for d in links if d["link_type"] == "host_pnic-network"}
    assert carriers == {"eth1-52:54:00:00:01:01"}
    vedge_pnic = next(d for d in links if d["link_type"] == "vedge-host_pnic")
    assert vedge_pnic["link_name"] == "Port-7" and vedge_pnic["state"] == "up"


async def test_rerun_changes_nothing(db: AsyncDatabase) -> None:
    """An unchanged inventory: a later run finds the same links and writes none of them
    (not even a time stamp)."""
    env, ctx, count = await _run(db)
    first = {d["_id"]: d for d in await links_of(db, env.name)}
    later = link_context(db, env, ctx.scanned_at + timedelta(seconds=5))
    assert await find_links(later, PLAN) == count
    second = {d["_id"]: d for d in await links_of(db, env.name)}
    assert second == first


async def test_removed_vnic_loses_its_links(db: AsyncDatabase) -> None:
    env, ctx, _ = await _run(db)
    assert await links_of(db, env.name, source_id=TAP_A)
    await db.inventory.delete_one({"environment": env.name, "id": TAP_A})
    later = link_context(db, env, ctx.scanned_at + timedelta(seconds=5))
    await find_links(later, PLAN)
    gone = await db.links.count_documents({"environment": env.name, "$or": [
        {"source_id": TAP_A}, {"target_id": TAP_A}]})
    assert gone == 0
    assert await links_of(db, env.name, source_id="inst-net-b")  # the rest stays


async def test_changed_state_is_rewritten(db: AsyncDatabase) -> None:
    env, ctx, _ = await _run(db)
    await db.inventory.update_one({"environment": env.name, "id": "eth1-52:54:00:00:01:01"},
                                  {"$set": {"Link detected": "no"}})
    await find_links(link_context(db, env, ctx.scanned_at + timedelta(seconds=5)), PLAN)
    states = {d["state"] for d in await links_of(
        db, env.name, link_type="host_pnic-network", source_id="eth1-52:54:00:00:01:01")}
    assert states == {"down"}
    implicit = await links_of(db, env.name, link_type="instance-network",
                              source_id="inst-net-a")
    assert implicit and implicit[0]["state"] == "down"


async def test_links_of_other_environments_untouched(db: AsyncDatabase) -> None:
    env, _, _ = await _run(db)
    other, _, _ = await _run(db)
    assert await db.links.count_documents({"environment": env.name}) == \
        await db.links.count_documents({"environment": other.name})


async def test_implicit_links_only_for_a_clique_type_that_uses_them(db: AsyncDatabase) -> None:
    env, ctx, _ = await _run(db)
    assert await links_of(db, env.name, implicit=True)
    await db.clique_types.delete_many({"environment": env.name})
    await find_links(link_context(db, env, ctx.scanned_at + timedelta(seconds=5)), PLAN)
    assert await links_of(db, env.name, implicit=True) == []
    assert await links_of(db, env.name, implicit=False)
