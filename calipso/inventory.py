"""The one place that writes inventory objects, links and cliques.

Scans hand documents over as they find them; they are written in large ordered bulk
upserts (one round trip per ``batch_size`` documents, not per object). An upsert sets the
object's fields and ``last_scanned`` and clears a ``stale`` mark, so a re-scan of an
unchanged cloud changes nothing but ``last_scanned``. Keys containing ``.`` are stored as
``[dot]`` (MongoDB reads dotted update keys as paths) and decoded on the way out.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import DeleteMany, UpdateMany, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

log = logging.getLogger(__name__)

Doc = dict[str, Any]
DOT = "[dot]"


def encode_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            (k.replace(".", DOT) if "." in k else k): encode_keys(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [encode_keys(v) for v in value]
    return value


def decode_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            (k.replace(DOT, ".") if DOT in k else k): decode_keys(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [decode_keys(v) for v in value]
    return value


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# --- links and cliques -------------------------------------------------------------------

LinkKey = tuple[str, str, str]  # (link_type, source_id, target_id)

# The fields of a link that a finder decides; a link whose fields are unchanged is only
# stamped with ``last_scanned``. Monitoring fields (status...) are not ours and not compared.
LINK_FIELDS = ("source", "target", "link_name", "state", "link_weight", "implicit",
               "attributes", "host", "switch", "source_label", "target_label")
_OPTIONAL_LINK_FIELDS = ("host", "switch")
_DUPLICATE_KEY = 11000
_STAMP_CHUNK = 10  # ids per UpdateMany: SecantusDB's $in grows worse than linear with size


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _canonical(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_canonical(v) for v in value)
    return value


def digest(doc: Doc, fields: Iterable[str]) -> bytes:
    """A short fingerprint of ``fields`` of ``doc`` (key order of nested dicts ignored)."""
    text = repr(tuple((f, _canonical(doc.get(f))) for f in fields))
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


class _StampingWriter:
    """Buffered writes of one collection: inserts of documents not stored before,
    upserts of changed ones, ``last_scanned`` stamps for unchanged ones."""

    collection: str

    def __init__(self, db: AsyncDatabase, env: str, scanned_at: datetime,
                 batch_size: int) -> None:
        self.db = db
        self.env = env
        self.scanned_at = scanned_at
        self.batch_size = batch_size
        self._inserts: list[tuple[Doc, UpdateOne]] = []
        self._ops: list[Any] = []
        self._stamps: list[Any] = []
        self._lock = asyncio.Lock()
        self.upserted = 0
        self.stamped = 0
        self.write_seconds = 0.0

    async def _queue(self, op: UpdateOne | None = None, stamp_id: Any | None = None,
                     insert: Doc | None = None) -> None:
        """``insert`` (with ``op`` as its upsert should the key exist after all), else
        ``op``, else a stamp of ``stamp_id``."""
        if insert is not None and op is not None:
            self._inserts.append((insert, op))
        elif op is not None:
            self._ops.append(op)
        if stamp_id is not None:
            self._stamps.append(stamp_id)
        pending = len(self._inserts) + len(self._ops) + len(self._stamps) // _STAMP_CHUNK
        if pending >= self.batch_size:
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            inserts, self._inserts = self._inserts, []
            ops, self._ops = self._ops, []
            stamps, self._stamps = self._stamps, []
            if not (inserts or ops or stamps):
                return
            started = time.perf_counter()
            collection = self.db[self.collection]
            written = len(inserts) + len(ops)
            if inserts:
                # Inserting is several times faster than upserting; a key that turns up
                # stored after all (a concurrent writer) falls back to its upsert.
                try:
                    await collection.insert_many([doc for doc, _ in inserts], ordered=False)
                except BulkWriteError as err:
                    errors = err.details.get("writeErrors", [])
                    if any(e.get("code") != _DUPLICATE_KEY for e in errors):
                        raise
                    ops[:0] = [inserts[e["index"]][1] for e in errors]
            ops.extend(
                UpdateMany({"_id": {"$in": stamps[i:i + _STAMP_CHUNK]}},
                           {"$set": {"last_scanned": self.scanned_at}})
                for i in range(0, len(stamps), _STAMP_CHUNK))
            for i in range(0, len(ops), self.batch_size):
                await collection.bulk_write(ops[i:i + self.batch_size], ordered=True)
            self.write_seconds += time.perf_counter() - started
            self.upserted += written
            self.stamped += len(stamps)


class InventoryWriter(_StampingWriter):
    """Buffered bulk writer of one environment's inventory objects.

    With ``load_existing()`` called first, an object whose content did not change is
    only stamped with ``last_scanned`` (one ``update_many`` per thousands of objects), a
    new one is inserted, and only a changed one is upserted: a re-scan of an unchanged
    cloud costs a handful of writes, and a first scan inserts rather than upserts.
    """

    collection = "inventory"

    def __init__(self, db: AsyncDatabase, env: str, scanned_at: datetime,
                 batch_size: int = 1000) -> None:
        super().__init__(db, env, scanned_at, batch_size)
        self._loaded = False
        self._existing: dict[str, tuple[Any, bytes]] = {}
        self._handed: set[str] = set()

    async def load_existing(self) -> int:
        """Read the stored objects' fingerprints (one query); returns how many there are."""
        cursor = self.db.inventory.find({"environment": self.env},
                                        {"id": 1, "digest": 1, "stale": 1})
        self._existing = {
            d["id"]: (d["_id"], b"" if d.get("stale") else d.get("digest", b""))
            async for d in cursor
        }
        self._loaded = True
        return len(self._existing)

    async def add(self, docs: Iterable[Doc]) -> None:
        for doc in docs:
            fields = encode_keys({k: v for k, v in doc.items() if k != "_id"})
            fields["environment"] = self.env
            fingerprint = digest(fields, sorted(fields))
            object_id = fields["id"]
            known = self._existing.get(object_id)
            again = object_id in self._handed
            self._handed.add(object_id)
            if known is not None and known[1] == fingerprint and not again:
                await self._queue(stamp_id=known[0])
                continue
            fields.update(last_scanned=self.scanned_at, digest=fingerprint)
            upsert = UpdateOne(
                {"environment": self.env, "id": object_id},
                {"$set": fields, "$setOnInsert": {"discovered_at": self.scanned_at},
                 "$unset": {"stale": ""}},
                upsert=True)
            new = self._loaded and known is None and not again
            await self._queue(upsert, insert=fields | {"discovered_at": self.scanned_at}
                              if new else None)

    async def patch(self, object_id: str, fields: Doc) -> None:
        """Set fields of an object already handed over (e.g. an instance's MAC).

        Its fingerprint is dropped, so the next scan writes the object whole again.
        """
        await self._queue(UpdateOne({"environment": self.env, "id": object_id},
                                    {"$set": encode_keys(fields), "$unset": {"digest": ""}}))

    async def remove_unseen(self, keep_scopes: list[tuple[str | None, str]],
                            within: str | None = None) -> tuple[int, int]:
        """After a full scan: delete objects not seen, except those a failure kept from view.

        ``keep_scopes`` holds ``(object_type or None, id_path prefix)`` pairs; unseen
        objects that match one, or lie under one kept, are marked ``stale`` instead.
        Links touching deleted objects go with them. ``within`` limits all this to one
        object's subtree (the object included). Returns (deleted, marked stale).
        """
        await self.flush()
        query: Doc = {"environment": self.env, "last_scanned": {"$lt": self.scanned_at}}
        if within is not None:
            query["$or"] = [{"id_path": within},
                            {"id_path": {"$regex": f"^{re.escape(within)}/"}}]
        unseen = await self.db.inventory.find(
            query,
            {"_id": 0, "id": 1, "type": 1, "id_path": 1},
        ).to_list(None)
        kept_paths = [
            doc["id_path"] for doc in unseen
            if any((t is None or t == doc["type"]) and doc["id_path"].startswith(prefix)
                   for t, prefix in keep_scopes)
        ]
        # A kept object keeps its subtree and the folders above it.
        ancestors = {p[:i] for p in kept_paths for i in range(len(p)) if p[i] == "/"}
        keep: list[str] = []
        drop: list[str] = []
        for doc in unseen:
            path = doc["id_path"]
            kept = path in ancestors or any(
                path == k or path.startswith(k + "/") for k in kept_paths)
            (keep if kept else drop).append(doc["id"])
        ops: list[Any] = []
        for chunk in _chunks(drop, 5000):
            ops.append(DeleteMany({"environment": self.env, "id": {"$in": chunk}}))
        for chunk in _chunks(keep, 5000):
            ops.append(UpdateMany({"environment": self.env, "id": {"$in": chunk}},
                                  {"$set": {"stale": True}}))
        if ops:
            await self.db.inventory.bulk_write(ops, ordered=True)
        for chunk in _chunks(drop, 5000):
            await self.db.links.delete_many({"environment": self.env, "$or": [
                {"source_id": {"$in": chunk}}, {"target_id": {"$in": chunk}}]})
            await self.db.cliques.delete_many({"environment": self.env,
                                               "focal_point_id": {"$in": chunk}})
        return len(drop), len(keep)

    async def clear(self, collections: Iterable[str]) -> None:
        for name in collections:
            await self.db[name].delete_many({"environment": self.env})


class LinkWriter(_StampingWriter):
    """Buffered bulk upserts of one environment's links, keyed by
    (environment, link_type, source_id, target_id).

    With ``load_existing()`` called first, a link whose fields did not change is not
    rewritten, only stamped with ``last_scanned``; so a re-run on an unchanged inventory
    changes nothing but ``last_scanned``; a link not stored before is inserted rather
    than upserted. The explicit links handed over in this run stay available through
    ``found()``.
    """

    collection = "links"

    def __init__(self, db: AsyncDatabase, env: str, scanned_at: datetime,
                 batch_size: int = 1000) -> None:
        super().__init__(db, env, scanned_at, batch_size)
        self._loaded = False
        self._existing: dict[LinkKey, tuple[Any, bytes]] = {}
        self._seen: dict[LinkKey, bytes] = {}
        self._explicit: dict[LinkKey, Doc] = {}

    async def load_existing(self) -> int:
        """Read the stored links' fingerprints (one query); returns how many there are."""
        projection = {f: 1 for f in (*LINK_FIELDS, "link_type", "source_id", "target_id")}
        cursor = self.db.links.find({"environment": self.env}, projection)
        self._existing = {
            (d["link_type"], d["source_id"], d["target_id"]):
                (d["_id"], digest(decode_keys(d), LINK_FIELDS))
            async for d in cursor
        }
        self._loaded = True
        return len(self._existing)

    @property
    def count(self) -> int:
        """Distinct links handed over in this run."""
        return len(self._seen)

    def found(self) -> list[Doc]:
        """The explicit (non-implicit) links handed over in this run."""
        return list(self._explicit.values())

    async def add(self, link: Doc) -> None:
        key: LinkKey = (link["link_type"], link["source_id"], link["target_id"])
        fingerprint = digest(link, LINK_FIELDS)
        again = key in self._seen
        if again and self._seen[key] == fingerprint:
            return
        self._seen[key] = fingerprint
        if not link.get("implicit"):
            self._explicit[key] = link
        known = self._existing.get(key)
        if known is not None and known[1] == fingerprint:
            await self._queue(None, stamp_id=known[0])
            return
        fields = encode_keys({k: v for k, v in link.items() if k != "_id"})
        fields["environment"] = self.env
        fields["last_scanned"] = self.scanned_at
        update: Doc = {"$set": fields, "$setOnInsert": {"created_at": self.scanned_at}}
        absent = {f: "" for f in _OPTIONAL_LINK_FIELDS if f not in fields}
        if absent:
            update["$unset"] = absent
        upsert = UpdateOne({"environment": self.env, "link_type": key[0], "source_id": key[1],
                            "target_id": key[2]}, update, upsert=True)
        new = self._loaded and known is None and not again
        await self._queue(upsert, insert=fields | {"created_at": self.scanned_at} if new
                          else None)

    async def remove_unseen(self) -> int:
        """Delete the environment's links not handed over in this run; returns how many."""
        await self.flush()
        result = await self.db.links.delete_many(
            {"environment": self.env, "last_scanned": {"$lt": self.scanned_at}})
        return result.deleted_count


CLIQUE_FIELDS = ("focal_point", "focal_point_id", "focal_point_type", "links",
                 "links_detailed", "nodes", "constraints", "clique_type")


class CliqueWriter(_StampingWriter):
    """Bulk upserts of one environment's cliques, keyed by (environment, focal_point).

    Each clique carries ``digest``, a fingerprint of its fields: an unchanged clique is
    only stamped with ``last_scanned``. Focal points get ``clique: true``; a focal point
    whose clique is removed loses it.
    """

    collection = "cliques"

    def __init__(self, db: AsyncDatabase, env: str, scanned_at: datetime,
                 batch_size: int = 500) -> None:
        super().__init__(db, env, scanned_at, batch_size)
        self._existing: dict[Any, tuple[Any, bytes | None]] = {}
        self._flag: list[str] = []
        self._written: set[str] = set()

    async def load_existing(self, focal_point_ids: list[str] | None = None) -> int:
        """Read the stored cliques' fingerprints (of these focal points, or all)."""
        query: Doc = {"environment": self.env}
        if focal_point_ids is not None:
            query["focal_point_id"] = {"$in": focal_point_ids}
        cursor = self.db.cliques.find(query, {"focal_point": 1, "digest": 1})
        self._existing = {d.get("focal_point"): (d["_id"], d.get("digest"))
                          async for d in cursor}
        return len(self._existing)

    async def add(self, clique: Doc, flagged: bool,
                  link_digests: Iterable[bytes] | None = None) -> None:
        """Write ``clique``; ``flagged``: its focal point already has ``clique: true``.

        ``link_digests``: fingerprints of ``links_detailed`` computed once per link by the
        caller (a link is in several cliques); without, the documents are hashed here.
        """
        if link_digests is None:
            fingerprint = digest(clique, CLIQUE_FIELDS)
        else:
            head = digest(clique, [f for f in CLIQUE_FIELDS if f != "links_detailed"])
            fingerprint = hashlib.blake2b(head + b"".join(link_digests),
                                          digest_size=16).digest()
        self._written.add(clique["focal_point_id"])
        if not flagged:
            self._flag.append(clique["focal_point_id"])
        known = self._existing.pop(clique["focal_point"], None)
        if known is not None and known[1] == fingerprint:
            await self._queue(None, stamp_id=known[0])
            return
        fields = {f: clique[f] for f in CLIQUE_FIELDS}
        fields.update(environment=self.env, digest=fingerprint, last_scanned=self.scanned_at)
        upsert = UpdateOne({"environment": self.env, "focal_point": clique["focal_point"]},
                           {"$set": fields, "$setOnInsert": {"created_at": self.scanned_at}},
                           upsert=True)
        await self._queue(upsert, insert=None if known else
                          fields | {"created_at": self.scanned_at})

    async def flush(self) -> None:
        await super().flush()
        flag, self._flag = self._flag, []
        ops = [UpdateMany({"environment": self.env, "id": {"$in": chunk}},
                          {"$set": {"clique": True}})
               for chunk in _chunks(flag, _STAMP_CHUNK)]
        if ops:
            started = time.perf_counter()
            await self.db.inventory.bulk_write(ops, ordered=True)
            self.write_seconds += time.perf_counter() - started

    async def remove(self, focal_point_ids: list[str]) -> int:
        """Delete the cliques of these focal points (rebuilt to nothing, or gone)."""
        await self.flush()
        deleted = 0
        for chunk in _chunks(focal_point_ids, _STAMP_CHUNK):
            result = await self.db.cliques.delete_many(
                {"environment": self.env, "focal_point_id": {"$in": chunk}})
            deleted += result.deleted_count
            await self.db.inventory.update_many(
                {"environment": self.env, "id": {"$in": chunk}, "clique": True},
                {"$unset": {"clique": ""}})
        return deleted

    async def remove_unseen(self) -> int:
        """After a full run: delete the cliques not written or stamped in it; their focal
        points (unless given a new clique) lose ``clique: true``."""
        await self.flush()
        query = {"environment": self.env, "last_scanned": {"$not": {"$gte": self.scanned_at}}}
        stale = [d.get("focal_point_id")
                 async for d in self.db.cliques.find(query, {"focal_point_id": 1})]
        if not stale:
            return 0
        result = await self.db.cliques.delete_many(query)
        unflag = sorted({s for s in stale if s is not None} - self._written)
        for chunk in _chunks(unflag, _STAMP_CHUNK):
            await self.db.inventory.update_many(
                {"environment": self.env, "id": {"$in": chunk}, "clique": True},
                {"$unset": {"clique": ""}})
        return result.deleted_count
