"""The one place that writes inventory objects, links and cliques.

Scans hand documents over as they find them; they are written in large ordered bulk
upserts (one round trip per ``batch_size`` documents, not per object). An upsert sets the
object's fields and ``last_scanned`` and clears a ``stale`` mark, so a re-scan of an
unchanged cloud changes nothing but ``last_scanned``. Keys containing ``.`` are stored as
``[dot]`` (MongoDB reads dotted update keys as paths) and decoded on the way out.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import DeleteMany, UpdateMany, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

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


class InventoryWriter:
    """Buffered bulk writer for one environment's inventory."""

    def __init__(self, db: AsyncDatabase, env: str, scanned_at: datetime,
                 batch_size: int = 1000) -> None:
        self.db = db
        self.env = env
        self.scanned_at = scanned_at
        self.batch_size = batch_size
        self._ops: list[UpdateOne] = []
        self._lock = asyncio.Lock()
        self.written = 0
        self.write_seconds = 0.0

    def _upsert(self, doc: Doc) -> UpdateOne:
        fields = encode_keys({k: v for k, v in doc.items() if k != "_id"})
        fields["environment"] = self.env
        fields["last_scanned"] = self.scanned_at
        return UpdateOne(
            {"environment": self.env, "id": doc["id"]},
            {"$set": fields, "$setOnInsert": {"created_at": self.scanned_at},
             "$unset": {"stale": ""}},
            upsert=True,
        )

    async def add(self, docs: Iterable[Doc]) -> None:
        self._ops.extend(self._upsert(doc) for doc in docs)
        if len(self._ops) >= self.batch_size:
            await self.flush()

    async def patch(self, object_id: str, fields: Doc) -> None:
        """Set fields of an object already handed over (e.g. an instance's MAC)."""
        self._ops.append(UpdateOne({"environment": self.env, "id": object_id},
                                   {"$set": encode_keys(fields)}))
        if len(self._ops) >= self.batch_size:
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            ops, self._ops = self._ops, []
            if not ops:
                return
            started = time.perf_counter()
            await self.db.inventory.bulk_write(ops, ordered=True)
            self.write_seconds += time.perf_counter() - started
            self.written += len(ops)

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


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
