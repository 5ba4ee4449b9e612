"""``BatchWriter``: buffered writes of one collection of one environment.

Documents not stored before are inserted (several times faster than upserting on
SecantusDB); changed ones are upserted; unchanged ones are not written at all. Writes go
out in large ordered batches, one round trip per ``batch_size`` documents.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any, NamedTuple

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from calipso.inventory.encoding import DUPLICATE_KEY, Doc
from calipso.inventory.freshness import forget_derived
from calipso.inventory.revisions import batch_revisions, record, stored_before


class Write(NamedTuple):
    """One document's update as a writer queues it: kept readable (history replays it on
    the stored document, ``revisions.py``) and made a driver request at flush."""

    filter: Doc
    update: Doc
    upsert: bool = False

    def request(self) -> UpdateOne:
        return UpdateOne(self.filter, self.update, upsert=self.upsert)


class BatchWriter:
    collection: str

    def __init__(self, db: AsyncDatabase, env: str, scanned_at: datetime,
                 batch_size: int) -> None:
        self.db = db
        self.env = env
        self.scanned_at = scanned_at
        self.batch_size = batch_size
        self._inserts: list[tuple[Doc, Write]] = []
        self._ops: list[Write] = []
        self._lock = asyncio.Lock()
        self.written = 0
        self.unchanged = 0
        self.write_seconds = 0.0
        self._added: set[Any] = set()  # keys this writer inserted (history: revisions.py)
        # whole stored documents read by the caller (history's "before", not read again)
        self._read: dict[Any, Doc] = {}

    async def _queue(self, op: Write, insert: Doc | None = None) -> None:
        """``insert`` (with ``op`` as its upsert should the key exist after all), else
        ``op``."""
        if insert is not None:
            self._inserts.append((insert, op))
        else:
            self._ops.append(op)
        if len(self._inserts) + len(self._ops) >= self.batch_size:
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            inserts, self._inserts = self._inserts, []
            ops, self._ops = self._ops, []
            if not (inserts or ops):
                return
            started = time.perf_counter()
            collection = self.db[self.collection]
            before = await stored_before(self.db, self.collection, self.env, ops,
                                         self._added, self._read)
            self._read = {}  # written now: a later batch reads what it changes
            inserted = [doc for doc, _ in inserts]
            if inserts:
                # A key that turns up stored after all (a concurrent writer) falls back to
                # its upsert.
                try:
                    await collection.insert_many([doc for doc, _ in inserts], ordered=False)
                except BulkWriteError as err:
                    errors = err.details.get("writeErrors", [])
                    if any(e.get("code") != DUPLICATE_KEY for e in errors):
                        raise
                    ops[:0] = [inserts[e["index"]][1] for e in errors]
                    duplicate = {e["index"] for e in errors}
                    inserted = [d for i, d in enumerate(inserted) if i not in duplicate]
            for i in range(0, len(ops), self.batch_size):
                await collection.bulk_write([op.request() for op in ops[i:i + self.batch_size]],
                                            ordered=True)
            await forget_derived(self.db, self.env)
            await record(self.db, batch_revisions(self.env, self.collection, inserted, ops,
                                                  before, self._added))
            self.write_seconds += time.perf_counter() - started
            self.written += len(inserts) + len(ops)
