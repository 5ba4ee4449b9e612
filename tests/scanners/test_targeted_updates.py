"""Work on part of an environment without a scan: delete one object, find one host's links,
rebuild the cliques around changed objects — each equal to what a full scan stores."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from calipso.cliques import rebuild_cliques_around
from calipso.env_config import EnvironmentConfig
from calipso.inventory import delete_object
from calipso.links import LinkContext, LinkScope, find_links
from calipso.log import ContextLogger
from calipso.scanners.lifecycle import ScanOptions
from calipso.scanners.metadata_files import Metadata
from calipso.scanners.scan import now_ms, run_scan
from calipso.settings import load_settings
from calipso.sim import spec_from_flags
from calipso.sim.server import SimCloud

pytestmark = pytest.mark.timeout(180)
LINK_KEY = ("link_type", "source_id", "target_id")
# what a later write may change without the link or clique being any different
STAMPS = ("_id", "last_scanned", "created_at", "source", "target", "digest", "links")


async def full_scan(db: AsyncDatabase, sim: SimCloud, metadata: Metadata) -> EnvironmentConfig:
    env = EnvironmentConfig.model_validate(sim.env_config())
    result = await run_scan(db, load_settings(), env, metadata, ScanOptions(), "full")
    assert result.status == "completed", result.errors
    return env


def link_context(db: AsyncDatabase, env: EnvironmentConfig,
                 scope: LinkScope | None = None) -> LinkContext:
    log = ContextLogger(logging.getLogger("tests.targeted"), {"env": env.name})
    return LinkContext(db=db, env=env, scanned_at=now_ms() + timedelta(seconds=1), log=log,
                       scope=scope)


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in STAMPS}
    if "links_detailed" in out:
        out["links_detailed"] = [comparable(link) for link in out["links_detailed"]]
    return out


async def links_by_key(db: AsyncDatabase, env: str) -> dict[tuple, dict[str, Any]]:
    return {tuple(d[k] for k in LINK_KEY): comparable(d)
            async for d in db.links.find({"environment": env})}


async def cliques_by_focal_point(db: AsyncDatabase, env: str) -> dict[str, dict[str, Any]]:
    return {d["focal_point_id"]: comparable(d)
            async for d in db.cliques.find({"environment": env})}


async def test_deleting_an_instance_equals_a_rescan_without_it(
        seeded: AsyncDatabase, metadata: Metadata) -> None:
    db = seeded
    # native plug (firewall openvswitch): the instance's tap is all it has on its host; with
    # hybrid plug its qbr bridge goes too, which only a read of the host can tell
    spec = spec_from_flags(hosts=3, instances=6, networks=2, driver="ovs",
                           firewall="openvswitch", seed=21)
    async with SimCloud(spec, env_name="gone") as sim:
        env = await full_scan(db, sim, metadata)
        victim = next(iter(sim.cloud.instances.values())).uuid
        vnics = [d["id"] async for d in db.inventory.find(
            {"environment": "gone", "type": "vnic", "instance_id": victim})]
        assert vnics and await db.cliques.count_documents({"focal_point_id": victim}) == 1
        holders = [d["focal_point_id"] async for d in db.cliques.find(
            {"environment": "gone", "nodes": victim, "focal_point_id": {"$ne": victim}})]
        assert holders, "the instance must be part of other cliques for this test"

        removed = await delete_object(db, "gone", victim)
        assert set(removed.objects) >= {victim, *vnics}
        assert set(removed.affected_focal_points) == set(holders)
        await rebuild_cliques_around(link_context(db, env), removed.affected_focal_points)

        for gone in (victim, *vnics):
            assert await db.inventory.count_documents({"environment": "gone", "id": gone}) == 0
            assert await db.links.count_documents({"environment": "gone", "$or": [
                {"source_id": gone}, {"target_id": gone}]}) == 0
        assert await db.cliques.count_documents({"focal_point_id": victim}) == 0
        rebuilt = await cliques_by_focal_point(db, "gone")
        assert all(victim not in c["nodes"] for c in rebuilt.values())

        sim.cloud.delete_instance(victim)
        await full_scan(db, sim, metadata)
        rescanned = await cliques_by_focal_point(db, "gone")
    for focal_point in holders:
        assert rebuilt.get(focal_point) == rescanned.get(focal_point), focal_point


async def test_one_hosts_links_equal_that_hosts_links_of_a_full_run(
        seeded: AsyncDatabase, metadata: Metadata) -> None:
    db = seeded
    spec = spec_from_flags(hosts=4, instances=8, networks=2, driver="ovs", seed=22)
    async with SimCloud(spec, env_name="scoped") as sim:
        env = await full_scan(db, sim, metadata)
        host = next(h.name for h in sim.cloud.compute_hosts()
                    if sim.cloud.instances_on_host(h.name))
    on_host = {d["id"] async for d in db.inventory.find({"environment": "scoped",
                                                          "host": host})}
    full = await links_by_key(db, "scoped")
    touching = {k for k in full if k[1] in on_host or k[2] in on_host}
    assert touching
    others = {k: v for k, v in full.items() if k not in touching}
    await db.links.delete_many({"environment": "scoped", "$or": [
        {"source_id": {"$in": sorted(on_host)}}, {"target_id": {"$in": sorted(on_host)}}]})
    # a link left over that the host's objects no longer have goes too
    some = next(iter(on_host))
    await db.links.insert_one({"environment": "scoped", "link_type": "stale-link",
                               "source_id": some, "target_id": "nowhere"})

    count = await find_links(link_context(db, env, LinkScope(host=host)), metadata.link_plan)

    after = await links_by_key(db, "scoped")
    assert count == len(touching)
    assert {k: v for k, v in after.items() if k in touching} == {
        k: full[k] for k in touching}
    assert {k: v for k, v in after.items() if k not in touching} == others


async def test_a_scoped_run_of_a_set_of_objects_leaves_other_links_alone(
        seeded: AsyncDatabase, metadata: Metadata) -> None:
    db = seeded
    spec = spec_from_flags(hosts=3, instances=4, networks=1, driver="lxb", seed=23)
    async with SimCloud(spec, env_name="few") as sim:
        env = await full_scan(db, sim, metadata)
    full = await links_by_key(db, "few")
    vnic = await db.inventory.find_one({"environment": "few", "type": "vnic"})
    mine = {k for k in full if vnic["id"] in (k[1], k[2])}
    await db.links.delete_many({"environment": "few", "$or": [
        {"source_id": vnic["id"]}, {"target_id": vnic["id"]}]})
    scope = LinkScope(object_ids=frozenset({vnic["id"]}))
    assert await find_links(link_context(db, env, scope), metadata.link_plan) == len(mine)
    assert await links_by_key(db, "few") == full
