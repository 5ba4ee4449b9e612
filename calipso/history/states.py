"""Objects, links and cliques as they were at a past time, and an object's timeline.

The state at ``at`` is rebuilt backwards: the stored documents, with every revision
recorded after ``at`` undone, newest first (an ``added`` undone is no document, a
``removed`` undone is the document it kept, a change undone puts the old values back).
Bookkeeping fields (time stamps, fingerprints, the ``clique`` flag) are not history: the
documents answered leave them out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from calipso.errors import NotFound
from calipso.inventory import Doc, chunks, decode_keys
from calipso.inventory.revisions import COLLECTION, KINDS, kept, key_of

COLLECTIONS = {kind: collection for collection, kind in KINDS.items()}
_KEY_CHUNK = 200


class HistoryGap(NotFound):
    """The state asked for lies before what history holds: 404, none is known then."""


async def check_reachable(db: AsyncDatabase, env: str, at: datetime) -> None:
    """Raise ``HistoryGap`` when the environment was cleared after ``at``: what it held
    before is not kept document by document."""
    cleared = await db[COLLECTION].find_one(
        {"environment": env, "kind": "environment", "change": "cleared", "at": {"$gt": at}},
        sort=[("at", -1)])
    if cleared is not None:
        raise HistoryGap(f"environment {env} was cleared at {cleared['at'].isoformat()}; "
                         "its state before that is not kept", field="at")


def keys_of(rev: Doc) -> list[str]:
    """The keys a revision names (an ``added`` one names a batch's documents)."""
    return rev["keys"] if "keys" in rev else [rev["key"]]


def undo(state: dict[str, Doc], rev: Doc) -> None:
    if rev["change"] == "added":
        for added in keys_of(rev):
            state.pop(added, None)
        return
    key = rev["key"]
    if rev["change"] == "removed":
        state[key] = dict(rev["doc"])
    elif key in state:
        doc = state[key] = dict(state[key])
        for name, entry in rev.get("fields", {}).items():
            if "old" in entry:
                doc[name] = entry["old"]
            else:
                doc.pop(name, None)


async def state_at(db: AsyncDatabase, env: str, kind: str, at: datetime,
                   keys: list[str] | None = None) -> dict[str, Doc]:
    """The documents of ``kind`` (``object``, ``link``, ``clique``) at ``at``, by key;
    ``keys`` limits it to these keys (else the whole environment)."""
    await check_reachable(db, env, at)
    collection = COLLECTIONS[kind]
    state: dict[str, Doc] = {}
    revs: list[Doc] = []
    groups = [None] if keys is None else list(chunks(sorted(set(keys)), _KEY_CHUNK))
    for group in groups:
        query: Doc = {"environment": env}
        if group is not None:
            query.update(_current_filter(kind, group))
        async for doc in db[collection].find(query):
            state[key_of(collection, doc)] = doc
        rev_query: Doc = {"environment": env, "kind": kind, "at": {"$gt": at}}
        if group is not None:
            rev_query["key"] = {"$in": group}
        revs += [r async for r in db[COLLECTION].find(rev_query)]
    if keys is not None:  # the additions since (not indexed by key: few, read whole)
        revs += await added_since(db, env, kind, at)
    revs.sort(key=lambda r: (r["at"], r["_id"]), reverse=True)
    for rev in revs:
        undo(state, rev)
    if keys is not None:
        wanted = set(keys)
        state = {k: v for k, v in state.items() if k in wanted}
    return {k: decode_keys(kept(v)) for k, v in state.items()}


async def added_since(db: AsyncDatabase, env: str, kind: str, at: datetime) -> list[Doc]:
    return [r async for r in db[COLLECTION].find(
        {"environment": env, "kind": kind, "change": "added", "at": {"$gt": at}})]


def _current_filter(kind: str, keys: list[str]) -> Doc:
    if kind == "object":
        return {"id": {"$in": keys}}
    if kind == "clique":
        return {"focal_point_id": {"$in": keys}}
    ends = [key.split("|") for key in keys]
    return {"$or": [{"link_type": t, "source_id": s, "target_id": d} for t, s, d in ends]}


async def object_at(db: AsyncDatabase, env: str, object_id: str, at: datetime) -> Doc | None:
    return (await state_at(db, env, "object", at, [object_id])).get(object_id)


async def clique_at(db: AsyncDatabase, env: str, focal_point_id: str,
                    at: datetime) -> Doc | None:
    """The clique of a focal object at ``at``, with its links as they were then."""
    clique = (await state_at(db, env, "clique", at, [focal_point_id])).get(focal_point_id)
    if clique is None:
        return None
    nodes = set(clique.get("nodes", []))
    links = await links_between(db, env, nodes, at)
    clique["links_detailed"] = links
    return clique


async def links_between(db: AsyncDatabase, env: str, nodes: set[str],
                        at: datetime) -> list[Doc]:
    """The links at ``at`` whose two ends are both among ``nodes``."""
    keys: set[str] = set()
    ids = sorted(nodes)
    for group in chunks(ids, _KEY_CHUNK):
        async for doc in db.links.find({"environment": env, "source_id": {"$in": group}},
                                       {"link_type": 1, "source_id": 1, "target_id": 1}):
            keys.add(key_of("links", doc))
        async for rev in db[COLLECTION].find({"environment": env, "kind": "link",
                                              "ends": {"$in": group}, "at": {"$gt": at}},
                                             {"key": 1}):
            keys.update(keys_of(rev))
    for rev in await added_since(db, env, "link", at):
        keys.update(k for k in rev["keys"] if set(k.split("|")[1:]) <= nodes)
    links = await state_at(db, env, "link", at, sorted(keys))
    return [link for link in links.values()
            if link["source_id"] in nodes and link["target_id"] in nodes]


async def timeline(db: AsyncDatabase, env: str, kind: str, key: str,
                   since: datetime | None = None, until: datetime | None = None,
                   limit: int = 1000) -> list[Doc]:
    """The revisions of one object, link or clique, oldest first."""
    query: Doc = {"environment": env, "kind": kind,
                  "$or": [{"key": key}, {"change": "added", "keys": key}]}
    span: dict[str, Any] = {}
    if since is not None:
        span["$gt"] = since
    if until is not None:
        span["$lte"] = until
    if span:
        query["at"] = span
    cursor = db[COLLECTION].find(query, {"_id": 0}).sort([("at", 1), ("_id", 1)]).limit(limit)
    # an `added` revision of a batch is shown for this key alone
    return [decode_keys({k: v for k, v in r.items() if k != "keys"} | {"key": key})
            async for r in cursor]
