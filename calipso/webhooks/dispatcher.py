"""``WebhookDispatcher``: a part of ``calipso serve`` that tells subscribers of each
recorded change.

Each round it reads the revisions recorded since its cursor (with a look-back, so a batch
written by another process a little late is not missed; what was already seen is skipped),
queues one delivery per matching subscription in ``webhook_deliveries`` (unique per
subscription and revision, so nothing is queued twice, even across restarts) and sends the
deliveries that are due, at most ``webhook_concurrency`` at once. A delivery that fails
(no answer, not 2xx) is due again after a backoff that doubles up to
``webhook_max_backoff``, and fails for good after ``webhook_max_attempts``. Queued
deliveries are in the database: a receiver that was down, or a restarted service, gets
them later. On shutdown the sends in flight finish; nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from calipso.inventory import Doc, chunks, decode_keys
from calipso.inventory.encoding import DUPLICATE_KEY
from calipso.inventory.revisions import COLLECTION
from calipso.metrics import WEBHOOK_DELIVERIES
from calipso.settings import Settings
from calipso.webhooks.signing import HEADER, signature
from calipso.webhooks.subscriptions import matches

log = logging.getLogger(__name__)
LOOK_BACK = timedelta(seconds=30)
STATE_ID = "webhooks"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class WebhookDispatcher:
    def __init__(self, db: AsyncDatabase, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._seen: dict[ObjectId, datetime] = {}  # revisions queued within the look-back
        self._sending: dict[ObjectId, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(settings.webhook_concurrency)

    async def run(self, stopping: asyncio.Event) -> None:
        timeout = aiohttp.ClientTimeout(total=self.settings.webhook_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            try:
                while not stopping.is_set():
                    await self.queue_new()
                    await self._send_due(http)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stopping.wait(),
                                               self.settings.webhook_poll_interval)
            finally:
                # sends in flight finish (each is bounded by the timeout)
                await asyncio.gather(*self._sending.values(), return_exceptions=True)

    async def _cursor(self) -> datetime:
        state = await self.db.webhook_state.find_one({"_id": STATE_ID})
        if state is None:  # first start: from now on, not the whole history
            now = datetime.now(UTC)
            await self.db.webhook_state.insert_one({"_id": STATE_ID, "at": now})
            return now
        return state["at"]

    async def queue_new(self) -> int:
        """Queue deliveries of the revisions recorded since the cursor; how many."""
        cursor = await self._cursor()
        subs = [s async for s in self.db.webhooks.find({})]
        now = datetime.now(UTC)
        if not subs:  # nobody to tell: what happens until a subscription is not for it
            self._seen.clear()
            await self.db.webhook_state.update_one({"_id": STATE_ID}, {"$set": {"at": now}})
            return 0
        latest = cursor
        fresh: list[ObjectId] = []
        async for rev in self.db[COLLECTION].find({"at": {"$gt": cursor - LOOK_BACK}},
                                                  {"_id": 1, "at": 1}):
            latest = max(latest, rev["at"])
            if rev["_id"] not in self._seen:
                self._seen[rev["_id"]] = rev["at"]
                fresh.append(rev["_id"])
        queued: list[Doc] = []
        revisions = [r for chunk in chunks(fresh, 500) async for r in
                     self.db[COLLECTION].find({"_id": {"$in": chunk}})]
        for rev in sorted(revisions, key=lambda r: (r["at"], r["_id"])):
            payload = _payload(rev)
            queued += [{"subscription_id": sub["_id"], "revision_id": rev["_id"],
                        "environment": rev["environment"], "payload": payload,
                        "state": "pending", "attempts": 0, "due": now, "created_at": now}
                       for sub in subs if matches(sub, rev)
                       and rev["at"] >= sub.get("created_at", rev["at"])]
        if queued:
            try:
                await self.db.webhook_deliveries.insert_many(queued, ordered=False)
            except BulkWriteError as err:  # queued before a restart
                if any(e.get("code") != DUPLICATE_KEY
                       for e in err.details.get("writeErrors", [])):
                    raise
        if latest > cursor:
            await self.db.webhook_state.update_one({"_id": STATE_ID}, {"$set": {"at": latest}})
        horizon = latest - LOOK_BACK
        self._seen = {k: at for k, at in self._seen.items() if at > horizon}
        return len(queued)

    async def _send_due(self, http: aiohttp.ClientSession) -> None:
        room = self.settings.webhook_concurrency - len(self._sending)
        if room <= 0:
            return
        due = self.db.webhook_deliveries.find(
            {"state": "pending", "due": {"$lte": datetime.now(UTC)},
             "_id": {"$nin": list(self._sending)}}).sort("due", 1).limit(room)
        async for delivery in due:
            task = asyncio.create_task(self._send(http, delivery),
                                       name=f"webhook:{delivery['_id']}")
            self._sending[delivery["_id"]] = task
            task.add_done_callback(lambda _, oid=delivery["_id"]: self._sending.pop(oid, None))

    async def _send(self, http: aiohttp.ClientSession, delivery: Doc) -> None:
        sub = await self.db.webhooks.find_one({"_id": delivery["subscription_id"]})
        if sub is None:
            await self.db.webhook_deliveries.delete_one({"_id": delivery["_id"]})
            return
        body = json.dumps({"delivery": str(delivery["_id"]),
                           "subscription": str(sub["_id"]),
                           **decode_keys(delivery["payload"])},
                          default=_json_default).encode()
        headers = {"Content-Type": "application/json", HEADER: signature(sub["secret"], body),
                   "X-Calipso-Delivery": str(delivery["_id"])}
        error: str | None = None
        async with self._slots:
            try:
                async with http.post(sub["url"], data=body, headers=headers) as resp:
                    if not 200 <= resp.status < 300:
                        error = f"answered {resp.status}"
            except (aiohttp.ClientError, TimeoutError) as err:
                error = f"{type(err).__name__}: {err}"
        await self._settle(delivery, error)

    async def _settle(self, delivery: Doc, error: str | None) -> None:
        attempts = delivery["attempts"] + 1
        now = datetime.now(UTC)
        if error is None:
            WEBHOOK_DELIVERIES.labels("delivered").inc()
            await self.db.webhook_deliveries.update_one(
                {"_id": delivery["_id"]},
                {"$set": {"state": "delivered", "attempts": attempts, "delivered_at": now}})
            return
        s = self.settings
        final = attempts >= s.webhook_max_attempts
        WEBHOOK_DELIVERIES.labels("failed" if final else "retried").inc()
        backoff = min(s.webhook_retry_base * 2 ** (attempts - 1), s.webhook_max_backoff)
        log.warning("webhook delivery failed", extra={
            "delivery": str(delivery["_id"]), "attempts": attempts, "error": error,
            "final": final})
        await self.db.webhook_deliveries.update_one({"_id": delivery["_id"]}, {"$set": {
            "state": "failed" if final else "pending", "attempts": attempts,
            "last_error": error, "due": now + timedelta(seconds=backoff)}})


def _payload(rev: Doc) -> Doc:
    """What a subscriber is told of one change: the revision (its diff), stored as the
    revision is (keys encoded) until it is sent."""
    return {k: v for k, v in rev.items() if k != "_id"}
