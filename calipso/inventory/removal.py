"""Removing objects: each with its links and the cliques around it.

``remove_objects`` deletes the given objects, every link that touches one of them and the
cliques whose focal point is one of them; it answers which other cliques held a removed
object or link, so that the caller (``calipso.cliques``) rebuilds them. Those cliques are
left in place until then, so a reader never sees a focal point lose its clique for the
time of a rebuild.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pymongo.asynchronous.database import AsyncDatabase

from calipso.inventory.encoding import Doc, chunks
from calipso.inventory.freshness import forget_derived
from calipso.inventory.revisions import read_and_record_removal

_DELETE_CHUNK = 5000


@dataclass(slots=True)
class Removed:
    objects: list[str] = field(default_factory=list)
    links: int = 0
    cliques: int = 0
    # focal points of the remaining cliques that held a removed object or link
    affected_focal_points: list[str] = field(default_factory=list)


async def remove_objects(db: AsyncDatabase, env: str, object_ids: list[str]) -> Removed:
    removed = Removed(objects=list(object_ids))
    if not object_ids:
        return removed
    await forget_derived(db, env)
    gone = set(object_ids)
    affected: dict[str, None] = {}
    for chunk in chunks(object_ids, _DELETE_CHUNK):
        async for clique in db.cliques.find({"environment": env, "nodes": {"$in": chunk}},
                                            {"focal_point_id": 1}):
            if clique.get("focal_point_id") not in gone:
                affected[clique["focal_point_id"]] = None
        objects: Doc = {"environment": env, "id": {"$in": chunk}}
        links: Doc = {"environment": env, "$or": [
            {"source_id": {"$in": chunk}}, {"target_id": {"$in": chunk}}]}
        cliques: Doc = {"environment": env, "focal_point_id": {"$in": chunk}}
        for name, query in (("inventory", objects), ("links", links), ("cliques", cliques)):
            await read_and_record_removal(db, name, env, query)
        await db.inventory.delete_many(objects)
        result = await db.links.delete_many(links)
        removed.links += result.deleted_count
        result = await db.cliques.delete_many(cliques)
        removed.cliques += result.deleted_count
    removed.affected_focal_points = list(affected)
    return removed


async def subtree_ids(db: AsyncDatabase, env: str, root: Doc) -> list[str]:
    """The ids of ``root`` and of every object under it (by ``id_path``), root first."""
    path = root["id_path"]
    below = db.inventory.find(
        {"environment": env, "id_path": {"$regex": f"^{re.escape(path)}/"}},
        {"id": 1, "id_path": 1}).sort("id_path", 1)
    return [root["id"], *[doc["id"] async for doc in below]]

