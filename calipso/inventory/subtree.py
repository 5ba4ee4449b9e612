"""Insert or update one object and its subtree; delete one object with its subtree.

Both go through the same writers as a scan (``InventoryWriter``, ``remove_objects``), so
an object written here is the document a scan would write, and what the subtree no longer
holds goes with its links and cliques.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from calipso.inventory.encoding import Doc
from calipso.inventory.object_batch import InventoryWriter
from calipso.inventory.removal import Removed, remove_objects, subtree_ids


@dataclass(slots=True)
class SubtreeWrite:
    written: int = 0
    unchanged: int = 0
    removed: Removed = field(default_factory=Removed)


async def save_subtree(db: AsyncDatabase, env: str, root: Doc, docs: list[Doc],
                       at: datetime) -> SubtreeWrite:
    """Store ``docs`` (``root`` and what lies under it, placed) and remove the stored
    objects under ``root`` that ``docs`` no longer hold."""
    writer = InventoryWriter(db, env, at)
    await writer.load_existing(within=root["id_path"])
    await writer.add(docs)
    await writer.finish()
    await writer.remove_unseen([], within=root["id_path"])
    return SubtreeWrite(written=writer.written, unchanged=writer.unchanged,
                        removed=writer.last_removed)


async def delete_object(db: AsyncDatabase, env: str, object_id: str) -> Removed:
    """Delete an object with its subtree, their links and the cliques around them;
    nothing when the object is not stored."""
    root = await db.inventory.find_one({"environment": env, "id": object_id},
                                       {"id": 1, "id_path": 1})
    if root is None:
        return Removed()
    return await remove_objects(db, env, await subtree_ids(db, env, root))
