"""Scan of one stored object and its subtree (`scans.object_id`).

The object is fetched again by the fetch type that produces it, under the nearest
ancestor whose type leads to that fetch type's scanner; then its subtree is walked.
What the subtree no longer holds is removed, and the object itself if it is gone.
"""

from __future__ import annotations

from calipso.errors import CalipsoError
from calipso.fetchers.base import Doc
from calipso.inventory import root_parent
from calipso.scanners.metadata import FetchType, condition_holds
from calipso.scanners.walker import Walker


def _entry_points(walker: Walker, object_type: str) -> list[tuple[FetchType, FetchType]]:
    """(producer of the parent, producer of the object) pairs for ``object_type``."""
    env_doc = walker.ctx.env.model_dump(mode="json")
    tree = walker.tree.scanners
    pairs = []
    for scanner, entries in tree.items():
        for entry in entries:
            if entry.type != object_type or not condition_holds(entry.conditions, env_doc):
                continue
            pairs.extend(
                (parent_entry, entry)
                for parent_entries in tree.values()
                for parent_entry in parent_entries
                if parent_entry.children_scanner == scanner
            )
    return pairs


async def _ancestors(walker: Walker, doc: Doc) -> list[Doc]:
    """Stored ancestors of ``doc``, nearest first, ending with the environment root."""
    ids = doc["id_path"].strip("/").split("/")[1:-1]
    found: list[Doc] = []
    for object_id in reversed(ids):
        ancestor = await walker.ctx.lookup(object_id)
        if ancestor is not None:
            found.append(ancestor)
    found.append(root_parent(walker.ctx.env_name))
    return found


async def scan_one_object(walker: Walker, object_id: str) -> None:
    ctx = walker.ctx
    doc = await ctx.lookup(object_id)
    if doc is None:
        raise CalipsoError(f"object {object_id} is not in the inventory of {ctx.env_name}")
    pairs = _entry_points(walker, doc["type"])
    for ancestor in await _ancestors(walker, doc):
        for parent_entry, entry in pairs:
            if parent_entry.type != ancestor["type"]:
                continue
            parent_id = str(ancestor.get(parent_entry.child_id_field, ancestor["id"]))
            fetched = await walker.fetch(entry, ancestor, parent_id)
            mine = [d for d in fetched if str(d["id"]).strip() == object_id]
            saved = await walker.save(entry, ancestor, mine)
            if entry.children_scanner and saved:
                await walker.walk_children(entry, saved)
            await ctx.inventory.finish()
            if not ctx.state.failures:
                await ctx.inventory.remove_unseen([], within=doc["id_path"])
            return
    raise CalipsoError(f"no scanner produces {doc['type']} objects like {object_id}")
