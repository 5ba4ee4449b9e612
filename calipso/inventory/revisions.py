"""History: every change of an object, a link, a clique or a status, as a revision.

The writers of this package call these functions where they write, in the same batches,
so every writer (scans, events, monitoring, the API) records history in one place. Only
changes are recorded; an unchanged document is not written and leaves no revision.

A revision (collection ``revisions``) is::

    {environment, kind: object|link|clique|environment, key, type, name, ends (links),
     change: added|changed|removed|status|cleared, at, by: {by, scan_id|event|check|user},
     fields: {field: {old, new}},   # changed, status: the fields that changed
     doc: {...}}                    # removed: the document as it was

``old`` or ``new`` is left out when the field was absent. An ``added`` revision holds no
document: the state at a past time is rebuilt backwards from the stored one (undo the
revisions after that time), which needs only the old values. It names in ``keys`` (not
``key``) the documents of one type a batch inserted (one revision for up to a batch,
which keeps a first scan's history cheap). Bookkeeping fields (time
stamps, fingerprints, flags a writer derives) are not history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from calipso.inventory.encoding import Doc, chunks
from calipso.inventory.origin import current_origin
from calipso.metrics import REVISIONS

COLLECTION = "revisions"
KINDS = {"inventory": "object", "links": "link", "cliques": "clique"}
# What a document's identity is made of, per collection (its unique index)
KEY_FIELDS = {"inventory": ("id",), "links": ("link_type", "source_id", "target_id"),
              "cliques": ("focal_point",)}
BOOKKEEPING = frozenset({"_id", "environment", "last_scanned", "digest", "patch_digest",
                         "discovered_at", "created_at", "status_timestamp", "stale",
                         "clique", "links_detailed"})
STATUS_FIELDS = ("status", "status_value", "status_text")
_READ_CHUNK = 50
_recording = {"on": True}


def set_recording(on: bool) -> None:
    """History on or off for this process (the ``history_enabled`` setting)."""
    _recording["on"] = on


def link_key(link_type: str, source_id: str, target_id: str) -> str:
    return f"{link_type}|{source_id}|{target_id}"


def key_of(collection: str, doc: Doc) -> str:
    """The key a revision names its document by."""
    if collection == "links":
        return link_key(doc["link_type"], doc["source_id"], doc["target_id"])
    if collection == "cliques":
        return str(doc.get("focal_point_id") or doc["focal_point"])
    return str(doc["id"])


def _identity(collection: str, doc: Doc) -> Hashable:
    return tuple(doc.get(f) for f in KEY_FIELDS[collection])


def _labels(collection: str, doc: Doc) -> tuple[str, str]:
    if collection == "links":
        return doc.get("link_type", ""), doc.get("link_name", "")
    if collection == "cliques":
        return doc.get("focal_point_type", ""), str(doc.get("focal_point_id", ""))
    return doc.get("type", ""), doc.get("name") or doc.get("object_name") or ""


def field_changes(old: Doc, new: Doc) -> Doc:
    """``{field: {old, new}}`` of the fields whose values differ."""
    changes: Doc = {}
    for name in old.keys() | new.keys():
        if name in BOOKKEEPING:
            continue
        before, after = old.get(name, _ABSENT), new.get(name, _ABSENT)
        if before != after:
            entry: Doc = {}
            if before is not _ABSENT:
                entry["old"] = before
            if after is not _ABSENT:
                entry["new"] = after
            changes[name] = entry
    return changes


_ABSENT = object()


def revision(env: str, collection: str, change: str, about: Doc, at: datetime,
             origin: dict[str, str], **extra: Any) -> Doc:
    kind_type, name = _labels(collection, about)
    if collection == "links":  # to find a link's revisions by either end
        extra["ends"] = [about["source_id"], about["target_id"]]
    return {"environment": env, "kind": KINDS[collection], "key": key_of(collection, about),
            "type": kind_type, "name": name, "change": change, "at": at, "by": origin,
            **extra}


def kept(doc: Doc) -> Doc:
    """A document as a revision keeps it: without its bookkeeping."""
    return {k: v for k, v in doc.items() if k not in BOOKKEEPING}


async def stored_before(db: AsyncDatabase, collection: str, env: str, ops: list[Any],
                        added: set[Hashable],
                        known: dict[Hashable, Doc] | None = None) -> dict[Hashable, Doc]:
    """The stored documents that ``ops`` (``batch.Write``s about to be written) change;
    not those the same writer ``added`` (their patches complete their addition). Those
    in ``known`` (whole documents the writer's caller read already) are not read again."""
    if not _recording["on"]:
        return {}
    known = known or {}
    filters = {ident: op.filter for op in ops
               if (ident := _identity(collection, op.filter)) not in added}
    found: dict[Hashable, Doc] = {i: known[i] for i in filters if i in known}
    filters = {i: f for i, f in filters.items() if i not in known}
    key_fields = KEY_FIELDS[collection]
    for chunk in chunks(list(filters.values()), _READ_CHUNK):
        query: Doc = {"environment": env}
        if len(key_fields) == 1:
            query[key_fields[0]] = {"$in": [f[key_fields[0]] for f in chunk]}
        else:
            query["$or"] = [{k: f[k] for k in key_fields} for f in chunk]
        async for doc in db[collection].find(query):
            found[_identity(collection, doc)] = doc
    return found


def batch_revisions(env: str, collection: str, inserted: Iterable[Doc], ops: list[Any],
                    before: dict[Hashable, Doc], added: set[Hashable]) -> list[Doc]:
    """The revisions of one written batch: ``inserted`` documents, then ``ops``
    (``batch.Write``s, applied in order to the documents ``before`` them). ``added`` holds
    what the writer inserted in earlier batches (later patches to them are no change of
    their own), and gains what this batch inserts."""
    if not _recording["on"]:
        return []
    at, origin = datetime.now(UTC), current_origin()
    first: dict[Hashable, Doc | None] = {}
    state: dict[Hashable, Doc] = {}
    for doc in inserted:
        ident = _identity(collection, doc)
        first[ident], state[ident] = None, doc
    for op in ops:
        ident = _identity(collection, op.filter)
        if ident in added:
            continue
        if ident not in state:
            first[ident] = before.get(ident)
            state[ident] = dict(before[ident]) if ident in before else {}
        state[ident] = _applied(state[ident], op.filter, op.update, ident in before)
    revisions: list[Doc] = []
    by_type: dict[str, list[Doc]] = {}
    for ident, new in state.items():
        old = first[ident]
        if old is None:
            added.add(ident)
            by_type.setdefault(_labels(collection, new)[0], []).append(new)
            continue
        changes = field_changes(old, new)
        if changes:
            revisions.append(revision(env, collection, "changed", new, at, origin,
                                      fields=changes))
    return [*(added_revision(env, collection, kind_type, docs, at, origin)
              for kind_type, docs in by_type.items()), *revisions]


def added_revision(env: str, collection: str, kind_type: str, docs: list[Doc],
                   at: datetime, origin: dict[str, str]) -> Doc:
    """The documents of one type a batch inserted, as one revision: ``keys`` lists them (a
    first scan records a few hundred revisions, not one per document; ``keys`` is not
    indexed, so they cost no index entry each either)."""
    return {"environment": env, "kind": KINDS[collection], "type": kind_type,
            "keys": [key_of(collection, d) for d in docs], "change": "added", "at": at,
            "by": origin}


def _applied(doc: Doc, filt: Doc, update: Doc, stored: bool) -> Doc:
    new = dict(doc)
    if not stored:
        new.update(filt)
        new.update(update.get("$setOnInsert", {}))
    new.update(update.get("$set", {}))
    for name in update.get("$unset", {}):
        new.pop(name, None)
    return new


def removed_revisions(env: str, collection: str, docs: Iterable[Doc]) -> list[Doc]:
    at, origin = datetime.now(UTC), current_origin()
    return [revision(env, collection, "removed", doc, at, origin, doc=kept(doc))
            for doc in docs]


def status_revision(env: str, collection: str, before: Doc, fields: Doc) -> Doc:
    """A status change; ``before`` is the stored document (its key and status fields)."""
    old = {f: before[f] for f in STATUS_FIELDS if f in before}
    origin = current_origin()
    if origin["by"] == "unknown":
        origin = {"by": "monitoring"}
    return revision(env, collection, "status", before, datetime.now(UTC), origin,
                    fields=field_changes(old, {f: fields[f] for f in STATUS_FIELDS}))


def cleared_revision(env: str, collections: Iterable[str]) -> Doc:
    return {"environment": env, "kind": "environment", "key": env, "type": "environment",
            "name": env, "change": "cleared", "at": datetime.now(UTC),
            "by": current_origin(), "collections": list(collections)}


async def record(db: AsyncDatabase, revisions: list[Doc]) -> None:
    if revisions and _recording["on"]:
        await db[COLLECTION].insert_many(revisions, ordered=False)
        counted: Counter[tuple[str, str, str]] = Counter()
        for r in revisions:
            counted[r["environment"], r["kind"], r["change"]] += len(r.get("keys", [0]))
        for labels, count in counted.items():
            REVISIONS.labels(*labels).inc(count)


async def read_and_record_removal(db: AsyncDatabase, collection: str, env: str,
                                  query: Doc) -> None:
    """Record as removed the documents ``query`` matches (call just before deleting
    them)."""
    if not _recording["on"]:
        return
    docs = [doc async for doc in db[collection].find(query)]
    await record(db, removed_revisions(env, collection, docs))
