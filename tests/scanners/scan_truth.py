"""Compare what a scan stored with the simulator's truth (what a user would check)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from truth_compare import differences

from calipso.inventory import decode_keys


async def stored_objects(db: AsyncDatabase, env: str) -> dict[str, dict[str, Any]]:
    return {doc["id"]: decode_keys(doc)
            async for doc in db.inventory.find({"environment": env}, {"_id": 0})}


async def stored_links(db: AsyncDatabase, env: str) -> set[tuple[str, str, str]]:
    return {(doc["link_type"], doc["source_id"], doc["target_id"]) async for doc in
            db.links.find({"environment": env, "implicit": {"$ne": True}})}


def object_differences(truth: dict[str, Any], got: dict[str, dict[str, Any]]) -> list[str]:
    """Every way the stored inventory differs from the truth, one line each."""
    return differences(truth["objects"], got.values())


def link_differences(truth: dict[str, Any], got: set[tuple[str, str, str]]) -> list[str]:
    want = {(k["link_type"], k["source_id"], k["target_id"]) for k in truth["links"]}
    return ([f"missing link {t} {s} -> {d}" for t, s, d in sorted(want - got)]
            + [f"unexpected link {t} {s} -> {d}" for t, s, d in sorted(got - want)])


def clique_sets(cliques: list[dict[str, Any]]) -> dict[str, set[str]]:
    return {c["focal_point_id"]: set(c["objects"]) for c in cliques}


async def stored_cliques(db: AsyncDatabase, env: str) -> dict[str, set[str]]:
    return {doc["focal_point_id"]: set(doc["nodes"])
            async for doc in db.cliques.find({"environment": env})}


async def assert_stored_is_truth(db: AsyncDatabase, env: str,
                                 truth: dict[str, Any]) -> dict[str, set[str]]:
    """The inventory, links and cliques stored for ``env`` are the truth's; answers the
    stored cliques (focal point -> nodes)."""
    assert object_differences(truth, await stored_objects(db, env)) == []
    assert link_differences(truth, await stored_links(db, env)) == []
    cliques = await stored_cliques(db, env)
    assert cliques == clique_sets(truth["cliques"])
    return cliques
