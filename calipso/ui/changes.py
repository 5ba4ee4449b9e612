"""What changed in the inventory and the links, told to the open pages of this process.

One ``ChangeFeed`` per process reads the database's change stream (a replica set, the
embedded server) or, on a server without one, polls; so a page learns of a change whichever
process made it (a scan, an event, a monitoring check). Each open page holds a bounded
queue; a page too slow to take its changes is told to reload instead."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure, PyMongoError

from calipso.errors import Unavailable

log = logging.getLogger(__name__)

WATCHED = ("inventory", "links")
QUEUE_SIZE = 1000
RETRY_S = 2.0
# Writers stamp ``last_scanned`` with a scan's start: polling looks back this far and
# remembers what it told.
POLL_LOOKBACK = timedelta(minutes=5)
OBJECT_FIELDS = ("environment", "id", "type", "name", "object_name", "parent_id", "status",
                 "host")
LINK_FIELDS = ("environment", "link_type", "source", "target", "status", "state")
Change = dict[str, Any]


def describe(collection: str, op: str, oid: object, doc: dict[str, Any] | None) -> Change:
    kind = "object" if collection == "inventory" else "link"
    change: Change = {"kind": kind, "op": op, "object_id": str(oid)}
    fields = OBJECT_FIELDS if kind == "object" else LINK_FIELDS
    for key in fields:
        if doc is not None and key in doc:
            value = doc[key]
            change[key] = value if isinstance(value, str | int | float | None) else str(value)
    return change


class ChangeFeed:
    def __init__(self, db: AsyncDatabase, poll_interval: float, max_clients: int,
                 use_stream: bool = True) -> None:
        self._db = db
        self._use_stream = use_stream
        self._poll_interval = poll_interval
        self._max_clients = max_clients
        self._queues: set[asyncio.Queue[Change | None]] = set()
        self.mode = "starting"
        # bumped by every change told: what was computed at one version holds while it lasts
        self.version = 0

    def subscribe(self) -> asyncio.Queue[Change | None]:
        if len(self._queues) >= self._max_clients:
            raise Unavailable(f"{self._max_clients} live-update streams are open "
                              "(CALIPSO_UI_MAX_LIVE_CLIENTS)")
        queue: asyncio.Queue[Change | None] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Change | None]) -> None:
        self._queues.discard(queue)

    def close(self) -> None:
        """Ends every open stream (the service is stopping)."""
        for queue in self._queues:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)

    def publish(self, change: Change) -> None:
        self.version += 1
        for queue in list(self._queues):
            try:
                queue.put_nowait(change)
            except asyncio.QueueFull:
                # a page this far behind reloads what it shows instead
                queue._queue.clear()  # type: ignore[attr-defined]
                queue.put_nowait({"kind": "resync", "op": "overflow"})

    async def run(self) -> None:
        if not self._use_stream:
            await self._poll()
        while True:
            try:
                await self._stream()
            except OperationFailure as err:
                log.info("no change streams on this database: polling",
                         extra={"reason": str(err), "interval_s": self._poll_interval})
                await self._poll()
            except PyMongoError as err:
                self.mode = "reconnecting"
                log.warning("change stream lost; reopening",
                            extra={"reason": str(err), "retry_s": RETRY_S})
                self.publish({"kind": "resync", "op": "reconnect"})
                await asyncio.sleep(RETRY_S)

    async def _stream(self) -> None:
        pipeline = [{"$match": {"ns.coll": {"$in": list(WATCHED)}}}]
        async with await self._db.watch(pipeline, full_document="updateLookup") as stream:
            self.mode = "change-stream"
            self.version += 1  # what was missed while no stream was open
            async for event in stream:
                op = event.get("operationType")
                if op not in ("insert", "update", "replace", "delete"):
                    continue
                self.publish(describe(event["ns"]["coll"], op, event["documentKey"]["_id"],
                                      event.get("fullDocument")))

    def current(self) -> bool:
        """Are changes being followed (so ``version`` tells whether anything changed)?"""
        return self.mode in ("change-stream", "polling")

    async def _poll(self) -> None:
        self.mode = "polling"
        told: dict[tuple[str, object], tuple[object, object]] = {}
        counts = {name: await self._counts(name) for name in WATCHED}
        while True:
            await asyncio.sleep(self._poll_interval)
            since = datetime.now(UTC) - POLL_LOOKBACK
            for name in WATCHED:
                await self._poll_changed(name, since, told)
                now = await self._counts(name)
                for env in set(now) | set(counts[name]):
                    if now.get(env) != counts[name].get(env):
                        self.publish({"kind": "resync", "op": "count", "environment": env})
                counts[name] = now
            horizon = since.replace(tzinfo=None)
            told = {k: v for k, v in told.items()
                    if any(isinstance(t, datetime) and t.replace(tzinfo=None) > horizon
                           for t in v)}

    async def _poll_changed(self, name: str, since: datetime,
                            told: dict[tuple[str, object], tuple[object, object]]) -> None:
        fields = OBJECT_FIELDS if name == "inventory" else LINK_FIELDS
        cursor = self._db[name].find(
            {"$or": [{"last_scanned": {"$gt": since}}, {"status_timestamp": {"$gt": since}}]},
            {**dict.fromkeys(fields, 1), "last_scanned": 1, "status_timestamp": 1})
        async for doc in cursor:
            stamp = (doc.get("last_scanned"), doc.get("status_timestamp"))
            key = (name, doc["_id"])
            if told.get(key) != stamp:
                told[key] = stamp
                self.publish(describe(name, "update", doc["_id"], doc))

    async def _counts(self, name: str) -> dict[str, int]:
        rows = await self._db[name].aggregate(
            [{"$group": {"_id": "$environment", "n": {"$sum": 1}}}])
        return {str(row["_id"]): row["n"] async for row in rows}


class KeptWhileUnchanged:
    """Answers computed per key (an environment), kept while the feed tells no change:
    reading every object of a large environment takes seconds, and nothing changes most of
    the time."""

    def __init__(self, feed: ChangeFeed) -> None:
        self._feed = feed
        self._kept: dict[str, tuple[int, Any]] = {}

    async def get(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        version = self._feed.version
        kept = self._kept.get(key)
        if kept is not None and kept[0] == version and self._feed.current():
            return kept[1]
        answer = await compute()
        self._kept[key] = (version, answer)
        return answer
