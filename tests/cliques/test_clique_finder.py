"""The clique finder over inventories whose links the link finders found."""

from __future__ import annotations

from datetime import timedelta

from link_topology import (
    COMPUTE,
    NETWORK_NODE,
    NETWORKS,
    env_config,
    insert,
    link_context,
    new_env_name,
    ovs_cloud,
)
from pymongo.asynchronous.database import AsyncDatabase

from calipso.cliques import find_cliques
from calipso.config_paths import SHIPPED_CONFIG
from calipso.links import find_links, load_link_plan
from calipso.links.base import LinkContext
from calipso.seed import load_seed

PLAN = load_link_plan(SHIPPED_CONFIG / "link_finders.json")
NET_A, NET_B = NETWORKS["net-a"][0], NETWORKS["net-b"][0]
TUNNEL_NIC = "eth1-52:54:00:00:01:01"


async def _scan(db: AsyncDatabase, hybrid: bool = True,
                distribution: str = "Devstack") -> LinkContext:
    await load_seed(db)
    env = env_config(new_env_name(), distribution=distribution)
    await insert(db, env.name, ovs_cloud(hybrid=hybrid))
    ctx = link_context(db, env)
    await find_links(ctx, PLAN)
    await find_cliques(ctx)
    return ctx


async def _clique(db: AsyncDatabase, env: str, focal_id: str) -> dict:
    return await db.cliques.find_one({"environment": env, "focal_point_id": focal_id})


async def test_instance_clique_reaches_host_pnic_and_network(db: AsyncDatabase) -> None:
    ctx = await _scan(db)
    clique = await _clique(db, ctx.env.name, "inst-net-a")
    assert clique is not None
    nodes = set(clique["nodes"])
    assert {"inst-net-a", f"{COMPUTE}-tap00000001-01", f"{COMPUTE}-qbr00000001-01-8000.1",
            f"agent-0001-{COMPUTE}", f"{COMPUTE}-otep", TUNNEL_NIC, NET_A} <= nodes
    assert NET_B not in nodes  # the network constraint keeps the other network out
    instance = await db.inventory.find_one({"environment": ctx.env.name, "id": "inst-net-a"})
    assert clique["focal_point"] == instance["_id"]
    assert clique["focal_point_type"] == "instance"
    assert instance["clique"] is True
    assert clique["constraints"] == {"network": [NET_A]}
    clique_type = await db.clique_types.find_one({"_id": clique["clique_type"]})
    assert clique_type["name"] == "devstack_ovs_vxlan_instance"
    detailed = clique["links_detailed"]
    assert [d["_id"] for d in detailed] == clique["links"]
    assert [d["link_type"] for d in detailed][:2] == ["instance-vnic", "vnic-vconnector"]
    assert not any(d["implicit"] for d in detailed)
    stored = await db.links.count_documents({"_id": {"$in": clique["links"]}})
    assert stored == len(clique["links"])


async def test_tap_on_br_int_clique_goes_on_past_empty_link_types(db: AsyncDatabase) -> None:
    ctx = await _scan(db, hybrid=False)
    clique = await _clique(db, ctx.env.name, "inst-net-a")
    types = [d["link_type"] for d in clique["links_detailed"]]
    assert "vnic-vconnector" not in types and "vnic-vedge" in types
    assert {f"agent-0001-{COMPUTE}", TUNNEL_NIC, NET_A} <= set(clique["nodes"])


async def test_driver_clique_type_when_the_distribution_does_not_match(
        db: AsyncDatabase) -> None:
    ctx = await _scan(db, distribution="Mirantis")
    clique = await _clique(db, ctx.env.name, "inst-net-a")
    clique_type = await db.clique_types.find_one({"_id": clique["clique_type"]})
    # issue 10: the mechanism and type drivers choose, and the clique reaches the network
    assert clique_type["name"] == "ovs_vxlan_instance"
    assert {f"agent-0001-{COMPUTE}", f"{COMPUTE}-otep", TUNNEL_NIC, NET_A} <= set(
        clique["nodes"])


async def test_network_and_vservice_cliques(db: AsyncDatabase) -> None:
    ctx = await _scan(db)
    network = await _clique(db, ctx.env.name, NET_A)
    nodes = set(network["nodes"])
    assert {NET_A, TUNNEL_NIC, "inst-net-a", f"{NETWORK_NODE}-qdhcp-{NET_A}"} <= nodes
    assert "inst-net-b" not in nodes and f"{NETWORK_NODE}-qdhcp-{NET_B}" not in nodes
    assert network["constraints"] == {"network": NET_A}
    vservice = await _clique(db, ctx.env.name, f"{NETWORK_NODE}-qdhcp-{NET_A}")
    assert {f"{NETWORK_NODE}-tap00000065-65", f"agent-0002-{NETWORK_NODE}",
            f"{NETWORK_NODE}-otep", NET_A} <= set(vservice["nodes"])


async def test_rerun_changes_nothing(db: AsyncDatabase) -> None:
    """An unchanged inventory: a later run builds the same cliques and writes none of them
    (not even a time stamp)."""
    ctx = await _scan(db)
    before = {d["_id"]: d for d in await db.cliques.find().to_list(None)}
    later = link_context(db, ctx.env, ctx.scanned_at + timedelta(seconds=5))
    await find_links(later, PLAN)
    assert await find_cliques(later) == len(before)
    after = {d["_id"]: d for d in await db.cliques.find().to_list(None)}
    assert after == before


async def test_focal_point_rebuild_deletes_a_clique_left_without_links(
        db: AsyncDatabase) -> None:
    ctx = await _scan(db)
    env = ctx.env.name
    await db.inventory.delete_many({"environment": env, "id": f"{COMPUTE}-tap00000001-01"})
    later = link_context(db, ctx.env, ctx.scanned_at + timedelta(seconds=5))
    await find_links(later, PLAN)
    assert await find_cliques(later, focal_point_ids=["inst-net-a", "inst-net-b"]) == 1
    assert await _clique(db, env, "inst-net-a") is None
    instance = await db.inventory.find_one({"environment": env, "id": "inst-net-a"})
    assert "clique" not in instance
    assert await _clique(db, env, "inst-net-b") is not None
    assert await _clique(db, env, NET_A) is not None  # not asked for: untouched


async def test_full_run_removes_cliques_of_gone_focal_points(db: AsyncDatabase) -> None:
    ctx = await _scan(db)
    env = ctx.env.name
    count = await db.cliques.count_documents({"environment": env})
    await db.inventory.delete_many({"environment": env, "id": "inst-net-b"})
    later = link_context(db, ctx.env, ctx.scanned_at + timedelta(seconds=5))
    await find_links(later, PLAN)
    assert await find_cliques(later) == count - 1
    assert await _clique(db, env, "inst-net-b") is None
    assert await db.cliques.count_documents({"environment": env}) == count - 1
