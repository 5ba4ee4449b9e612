"""``InventoryWriter``: a run's inventory objects, in bulk.

With ``load_existing()`` called first (one query for the environment's stored
fingerprints), an object whose content did not change is not written at all, a new one is
inserted and only a changed one is upserted: a re-scan of an unchanged cloud writes
nothing. What a run saw is the set of ids handed over; ``remove_unseen`` removes the
stored objects outside it (no per-object stamp needed to tell).

``digest`` fingerprints an object as its fetcher made it; fields set later by ``patch``
(an instance's MAC, a vService's networks...) are gathered per object and written when
the run ends, fingerprinted apart (``patch_digest``), so they too are written only when
they change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from calipso.inventory.batch import BatchWriter, Write
from calipso.inventory.encoding import Doc, chunks, digest, encode_keys
from calipso.inventory.freshness import forget_derived
from calipso.inventory.removal import Removed, remove_objects


@dataclass(frozen=True, slots=True)
class Stored:
    """What a run needs to know of a stored object."""

    oid: Any
    digest: bytes
    patch_digest: bytes
    id_path: str
    type: str
    stale: bool


class InventoryWriter(BatchWriter):
    collection = "inventory"

    def __init__(self, db: AsyncDatabase, env: str, scanned_at: datetime,
                 batch_size: int = 1000) -> None:
        super().__init__(db, env, scanned_at, batch_size)
        self._loaded = False
        self._existing: dict[str, Stored] = {}
        self._handed: dict[str, bytes] = {}
        self._rewritten: set[str] = set()
        self._patched: set[str] = set()  # patches written (they changed something)
        self._patches: dict[str, Doc] = {}
        self.last_removed = Removed()

    async def load_existing(self, within: str | None = None,
                            ids: list[str] | None = None) -> int:
        """Read the stored objects' fingerprints (one query), of one subtree (``within``:
        its root's ``id_path``), of the objects ``ids`` or of the environment; returns how
        many there are."""
        query: Doc = {"environment": self.env}
        if ids is not None:
            query["id"] = {"$in": ids}
        elif within is not None:
            query["$or"] = [{"id_path": within},
                            {"id_path": {"$regex": f"^{re.escape(within)}/"}}]
        cursor = self.db.inventory.find(
            query,
            {"id": 1, "digest": 1, "patch_digest": 1, "stale": 1, "id_path": 1, "type": 1})
        self._existing = {
            d["id"]: Stored(d["_id"], d.get("digest", b""), d.get("patch_digest", b""),
                            d.get("id_path", ""), d.get("type", ""), bool(d.get("stale")))
            async for d in cursor
        }
        self._loaded = True
        return len(self._existing)

    def know(self, docs: Iterable[Doc]) -> None:
        """Take the stored documents the caller has read already (whole) as
        ``load_existing`` would (ids not among them count as not stored); history takes
        them as they were before this writer's changes."""
        docs = list(docs)
        self._existing = {d["id"]: Stored(d.get("_id"), d.get("digest", b""),
                                          d.get("patch_digest", b""), d.get("id_path", ""),
                                          d.get("type", ""), bool(d.get("stale")))
                          for d in docs}
        self._read = {(d["id"],): d for d in docs}
        self._loaded = True

    async def add(self, docs: Iterable[Doc]) -> None:
        for doc in docs:
            fields = encode_keys({k: v for k, v in doc.items() if k != "_id"})
            fields["environment"] = self.env
            fingerprint = digest(fields, sorted(fields))
            object_id = fields["id"]
            known = self._existing.get(object_id)
            handed = self._handed.get(object_id)
            self._handed[object_id] = fingerprint
            if handed == fingerprint:
                continue  # the same object handed twice (e.g. a folder two fetchers make)
            again = handed is not None
            if known is not None and not known.stale and known.digest == fingerprint \
                    and not again:
                self.unchanged += 1
                continue
            self._rewritten.add(object_id)
            fields.update(last_scanned=self.scanned_at, digest=fingerprint)
            upsert = Write(
                {"environment": self.env, "id": object_id},
                {"$set": fields, "$setOnInsert": {"discovered_at": self.scanned_at},
                 "$unset": {"stale": ""}},
                upsert=True)
            new = self._loaded and known is None and not again
            await self._queue(upsert, insert=fields | {"discovered_at": self.scanned_at}
                              if new else None)

    async def patch(self, object_id: str, fields: Doc) -> None:
        """Set fields of an object already handed over (e.g. an instance's MAC).

        In a run that loaded the stored fingerprints, patches are gathered and written by
        ``finish``; otherwise they are written now.
        """
        if self._loaded:
            self._patches.setdefault(object_id, {}).update(fields)
            return
        await self._queue(Write({"environment": self.env, "id": object_id},
                                {"$set": encode_keys(fields)}))

    async def finish(self) -> None:
        """Write the gathered patches that change something, then everything buffered."""
        patches, self._patches = self._patches, {}
        for object_id, fields in patches.items():
            encoded = encode_keys(fields)
            fingerprint = digest(encoded, sorted(encoded))
            known = self._existing.get(object_id)
            if known is not None and object_id not in self._rewritten \
                    and known.patch_digest == fingerprint:
                continue
            self._patched.add(object_id)
            await self._queue(Write(
                {"environment": self.env, "id": object_id},
                {"$set": encoded | {"patch_digest": fingerprint,
                                    "last_scanned": self.scanned_at}}))
        await self.flush()

    @property
    def changed_ids(self) -> list[str]:
        """The objects this run inserted, rewrote or patched."""
        return sorted(self._rewritten | self._patched)

    async def remove_unseen(self, keep_scopes: list[tuple[str | None, str]],
                            within: str | None = None) -> tuple[int, int]:
        """After a full run: remove the stored objects not seen, except those a failure
        kept from view.

        ``keep_scopes`` holds ``(object_type or None, id_path prefix)`` pairs; unseen
        objects that match one, or lie under one kept, are marked ``stale`` instead.
        Removed objects take their links and the cliques that hold them along.
        ``within`` limits all this to one object's subtree (the object included).
        Returns (removed, marked stale).
        """
        await self.finish()
        inside = re.compile(f"^{re.escape(within)}(/|$)") if within is not None else None
        unseen = [(object_id, stored) for object_id, stored in self._existing.items()
                  if object_id not in self._handed
                  and (inside is None or inside.match(stored.id_path))]
        kept_paths = [
            stored.id_path for _, stored in unseen
            if any((t is None or t == stored.type) and stored.id_path.startswith(prefix)
                   for t, prefix in keep_scopes)
        ]
        # A kept object keeps its subtree and the folders above it.
        ancestors = {p[:i] for p in kept_paths for i in range(len(p)) if p[i] == "/"}
        keep: list[str] = []
        drop: list[str] = []
        for object_id, stored in unseen:
            path = stored.id_path
            kept = path in ancestors or any(
                path == k or path.startswith(k + "/") for k in kept_paths)
            if not kept:
                drop.append(object_id)
            elif not stored.stale:
                keep.append(object_id)
        if keep:
            await forget_derived(self.db, self.env)
        for chunk in chunks(keep, 5000):
            await self.db.inventory.update_many(
                {"environment": self.env, "id": {"$in": chunk}}, {"$set": {"stale": True}})
        self.last_removed = await remove_objects(self.db, self.env, drop)
        return len(drop), len(unseen) - len(drop)

