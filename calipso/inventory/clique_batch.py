"""``CliqueWriter``: a run's cliques, in bulk, keyed by (environment, focal_point).

Each clique carries ``digest``, a fingerprint of its fields: an unchanged clique is not
written. Focal points get ``clique: true``; a focal point whose clique is removed loses
it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import UpdateMany
from pymongo.asynchronous.database import AsyncDatabase

from calipso.inventory.batch import BatchWriter, Write
from calipso.inventory.encoding import Doc, chunks, digest
from calipso.inventory.freshness import forget_derived
from calipso.inventory.revisions import read_and_record_removal

CLIQUE_FIELDS = ("focal_point", "focal_point_id", "focal_point_type", "links",
                 "links_detailed", "nodes", "constraints", "clique_type")


class CliqueWriter(BatchWriter):
    collection = "cliques"

    def __init__(self, db: AsyncDatabase, env: str, scanned_at: datetime,
                 batch_size: int = 500) -> None:
        super().__init__(db, env, scanned_at, batch_size)
        self._existing: dict[Any, tuple[Any, bytes | None, str | None]] = {}
        self._flag: list[str] = []
        self._written: set[str] = set()

    async def load_existing(self, focal_point_ids: list[str] | None = None) -> int:
        """Read the stored cliques' fingerprints (of these focal points, or all)."""
        query: Doc = {"environment": self.env}
        if focal_point_ids is not None:
            query["focal_point_id"] = {"$in": focal_point_ids}
        cursor = self.db.cliques.find(query, {"focal_point": 1, "digest": 1,
                                              "focal_point_id": 1})
        self._existing = {d.get("focal_point"): (d["_id"], d.get("digest"),
                                                 d.get("focal_point_id"))
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
            self.unchanged += 1
            return
        fields = {f: clique[f] for f in CLIQUE_FIELDS}
        fields.update(environment=self.env, digest=fingerprint, last_scanned=self.scanned_at)
        upsert = Write({"environment": self.env, "focal_point": clique["focal_point"]},
                       {"$set": fields, "$setOnInsert": {"created_at": self.scanned_at}},
                       upsert=True)
        await self._queue(upsert, insert=None if known else
                          fields | {"created_at": self.scanned_at})

    async def flush(self) -> None:
        await super().flush()
        flag, self._flag = self._flag, []
        ops = [UpdateMany({"environment": self.env, "id": {"$in": chunk}},
                          {"$set": {"clique": True}})
               for chunk in chunks(flag)]
        if ops:
            started = time.perf_counter()
            await self.db.inventory.bulk_write(ops, ordered=True)
            self.write_seconds += time.perf_counter() - started

    async def remove(self, focal_point_ids: list[str]) -> int:
        """Delete the cliques of these focal points (rebuilt to nothing, or gone)."""
        await self.flush()
        await forget_derived(self.db, self.env)
        deleted = 0
        for chunk in chunks(focal_point_ids):
            query = {"environment": self.env, "focal_point_id": {"$in": chunk}}
            await read_and_record_removal(self.db, "cliques", self.env, query)
            result = await self.db.cliques.delete_many(query)
            deleted += result.deleted_count
            await self._unflag(chunk)
        return deleted

    async def remove_unseen(self) -> int:
        """After a full run: delete the loaded cliques not rebuilt in it; their focal
        points (unless given a new clique) lose ``clique: true``."""
        await self.flush()
        stale, self._existing = list(self._existing.values()), {}
        if stale:
            await forget_derived(self.db, self.env)
        deleted = 0
        for chunk in chunks([oid for oid, _, _ in stale], 1000):
            await read_and_record_removal(self.db, "cliques", self.env, {"_id": {"$in": chunk}})
            result = await self.db.cliques.delete_many({"_id": {"$in": chunk}})
            deleted += result.deleted_count
        unflag = sorted({fp for _, _, fp in stale if fp is not None} - self._written)
        for chunk in chunks(unflag):
            await self._unflag(chunk)
        return deleted

    async def _unflag(self, focal_point_ids: list[str]) -> None:
        await self.db.inventory.update_many(
            # by id alone: a condition on ``clique`` too makes SecantusDB scan
            {"environment": self.env, "id": {"$in": focal_point_ids}},
            {"$unset": {"clique": ""}})
