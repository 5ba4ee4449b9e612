"""``LinkWriter``: a run's links, in bulk, keyed by (environment, link_type, source_id,
target_id).

With ``load_existing()`` called first, a link whose fields did not change is not written
at all and a link not stored before is inserted rather than upserted; ``remove_unseen``
then deletes the stored links this run did not hand over. The explicit links handed over
stay available through ``found()``.

A writer made with ``scope`` (a set of object ids) works on the links that touch one of
those objects only: it loads, writes and removes nothing else, so a run over one host's
objects leaves every other link alone. ``found()`` still holds the explicit links handed
over outside the scope: later finders build on them (a host NIC carries overlay traffic
when an OTEP link reaches it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from calipso.inventory.batch import BatchWriter, Write
from calipso.inventory.encoding import Doc, LinkKey, chunks, decode_keys, digest, encode_keys
from calipso.inventory.freshness import forget_derived
from calipso.inventory.revisions import read_and_record_removal

# The fields of a link that a finder decides; a link whose fields are unchanged is not
# rewritten. Monitoring fields (status...) are not ours and not compared.
LINK_FIELDS = ("source", "target", "link_name", "state", "link_weight", "implicit",
               "attributes", "host", "switch", "source_label", "target_label")
_OPTIONAL_LINK_FIELDS = ("host", "switch")
_SCOPE_CHUNK = 500


class LinkWriter(BatchWriter):
    collection = "links"

    def __init__(self, db: AsyncDatabase, env: str, scanned_at: datetime,
                 batch_size: int = 1000, scope: set[str] | None = None) -> None:
        super().__init__(db, env, scanned_at, batch_size)
        self.scope = scope
        self._loaded = False
        self._existing: dict[LinkKey, tuple[Any, bytes]] = {}
        self._seen: dict[LinkKey, bytes] = {}
        self._explicit: dict[LinkKey, Doc] = {}

    def in_scope(self, link: Doc) -> bool:
        return self.scope is None or link["source_id"] in self.scope \
            or link["target_id"] in self.scope

    async def load_existing(self) -> int:
        """Read the stored links' fingerprints (one query); returns how many there are."""
        projection = {f: 1 for f in (*LINK_FIELDS, "link_type", "source_id", "target_id")}
        queries: list[Doc] = [{"environment": self.env}]
        if self.scope is not None:
            ids = sorted(self.scope)
            queries = [{"environment": self.env, "$or": [
                {"source_id": {"$in": chunk}}, {"target_id": {"$in": chunk}}]}
                for chunk in chunks(ids, _SCOPE_CHUNK)]
        self._existing = {}
        for query in queries:
            async for d in self.db.links.find(query, projection):
                self._existing[(d["link_type"], d["source_id"], d["target_id"])] = (
                    d["_id"], digest(decode_keys(d), LINK_FIELDS))
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
        if not self.in_scope(link):
            if not link.get("implicit"):  # not written, but later finders build on it
                self._explicit[key] = link
            return
        fingerprint = digest(link, LINK_FIELDS)
        again = key in self._seen
        if again and self._seen[key] == fingerprint:
            return
        self._seen[key] = fingerprint
        if not link.get("implicit"):
            self._explicit[key] = link
        known = self._existing.get(key)
        if known is not None and known[1] == fingerprint:
            self.unchanged += 1
            return
        fields = encode_keys({k: v for k, v in link.items() if k != "_id"})
        fields["environment"] = self.env
        fields["last_scanned"] = self.scanned_at
        update: Doc = {"$set": fields, "$setOnInsert": {"created_at": self.scanned_at}}
        absent = {f: "" for f in _OPTIONAL_LINK_FIELDS if f not in fields}
        if absent:
            update["$unset"] = absent
        upsert = Write({"environment": self.env, "link_type": key[0], "source_id": key[1],
                        "target_id": key[2]}, update, upsert=True)
        new = self._loaded and known is None and not again
        await self._queue(upsert, insert=fields | {"created_at": self.scanned_at} if new
                          else None)

    def unseen(self) -> list[LinkKey]:
        """Stored links (in scope) this run did not hand over."""
        return [key for key in self._existing if key not in self._seen]

    async def remove_unseen(self) -> int:
        """Delete the stored links (in scope) not handed over in this run; how many."""
        await self.flush()
        gone = [self._existing[key][0] for key in self.unseen()]
        if gone:
            await forget_derived(self.db, self.env)
        deleted = 0
        for chunk in chunks(gone, 1000):
            await read_and_record_removal(self.db, "links", self.env, {"_id": {"$in": chunk}})
            result = await self.db.links.delete_many({"_id": {"$in": chunk}})
            deleted += result.deleted_count
        return deleted
