"""The life of a scan document (``scans``), for every way a scan starts.

A scan is requested (``pending``: by the API, a schedule, or a retry), claimed by one
worker (``running``, under a lease its runner renews), and ends ``completed``,
``completed_with_errors``, ``failed`` or ``aborted`` (cancelled through the API).
``calipso scan`` goes through the same door: it creates its request already claimed.

One environment never runs two scans: whoever runs a scan holds the environment's lock
(``scan_locks``, one document per environment, under the same lease). A runner that dies
stops renewing; once the lease has expired its scan is failed and, up to
``CALIPSO_SCAN_MAX_ATTEMPTS``, requested again, and the lock is free for the next one.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from calipso.errors import CalipsoError

Doc = dict[str, Any]
Only = Literal["inventory", "links", "cliques"]
ONLY_KINDS: tuple[Only, ...] = ("inventory", "links", "cliques")
# The request fields a schedule hands to the scans it makes.
SCAN_FLAGS = ("clear", "scan_only_inventory", "scan_only_links", "scan_only_cliques",
              "object_id")


class ScanStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors"
    FAILED = "failed"
    ABORTED = "aborted"


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """What a scan does: all of it, or one phase; clear first; one object's subtree."""

    clear: bool = False
    only: Only | None = None
    object_id: str | None = None

    @classmethod
    def of_request(cls, request: Doc) -> ScanOptions:
        only = next((kind for kind in ONLY_KINDS if request.get(f"scan_only_{kind}")), None)
        return cls(clear=bool(request.get("clear")), only=only,
                   object_id=request.get("object_id") or None)

    def to_request(self) -> Doc:
        doc: Doc = {"clear": self.clear}
        if self.only:
            doc[f"scan_only_{self.only}"] = True
        if self.object_id:
            doc["object_id"] = self.object_id
        return doc

    @property
    def whole(self) -> bool:
        """A scan of the whole inventory: one that makes the environment ``scanned``."""
        return self.object_id is None and self.only in (None, "inventory")


class EnvironmentBusy(CalipsoError):
    """Another scan of the environment is running."""

    def __init__(self, env: str, holder: Doc | None) -> None:
        self.env = env
        who = f" (scan {holder.get('scan_id')}, by {holder.get('worker')})" if holder else ""
        super().__init__(f"a scan of {env} is running{who}; wait for it, or cancel it "
                         "with POST /scans/{id}/cancel")


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def request_scan(db: AsyncDatabase, env: str, options: ScanOptions,
                       status: ScanStatus = ScanStatus.PENDING, **fields: Any) -> ObjectId:
    """A new request (``pending``, or ``draft`` to be submitted later)."""
    doc = {"environment": env, "status": status.value, "submit_timestamp": datetime.now(UTC),
           **options.to_request(), **fields}
    return (await db.scans.insert_one(doc)).inserted_id


CANCELLABLE = (ScanStatus.DRAFT, ScanStatus.PENDING, ScanStatus.RUNNING)


async def cancel_scan(db: AsyncDatabase, scan_id: ObjectId) -> Doc | None:
    """Mark a draft, pending or running scan ``aborted`` (its runner sees it at its next
    lease renewal and stops); the scan as it is now, None when it was not cancellable."""
    return await db.scans.find_one_and_update(
        {"_id": scan_id, "status": {"$in": [s.value for s in CANCELLABLE]}},
        {"$set": {"status": ScanStatus.ABORTED.value, "end_timestamp": datetime.now(UTC)}},
        return_document=ReturnDocument.AFTER)


class ScanRequests:
    """Every change of a scan document's status, for one runner (``ident``)."""

    def __init__(self, db: AsyncDatabase, lease_seconds: float, max_attempts: int,
                 ident: str | None = None) -> None:
        self.db = db
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.ident = ident or worker_id()

    # --- requests -------------------------------------------------------------------

    async def start(self, env: str, options: ScanOptions, **fields: Any) -> ObjectId:
        """A request claimed at once by this runner (``calipso scan``); ``EnvironmentBusy``
        when a scan of ``env`` runs."""
        scan_id = ObjectId()
        await self._lock(env, scan_id)
        now = datetime.now(UTC)
        await self.db.scans.insert_one({
            "_id": scan_id, "environment": env, "status": ScanStatus.RUNNING.value,
            "submit_timestamp": now, "start_timestamp": now, "worker": self.ident,
            "lease_until": now + self.lease, **options.to_request(), **fields})
        return scan_id

    async def claim(self) -> Doc | None:
        """The oldest pending request of an environment no scan runs in, now running
        here; None when there is none."""
        tried: list[Any] = []
        while True:
            busy = await self._busy_environments()
            candidate = await self.db.scans.find_one(
                {"status": ScanStatus.PENDING.value, "submit_timestamp": {"$ne": None},
                 "environment": {"$nin": busy}, "_id": {"$nin": tried}},
                sort=[("submit_timestamp", 1)])
            if candidate is None:
                return None
            tried.append(candidate["_id"])
            try:
                await self._lock(candidate["environment"], candidate["_id"])
            except EnvironmentBusy:
                continue
            now = datetime.now(UTC)
            claimed = await self.db.scans.find_one_and_update(
                {"_id": candidate["_id"], "status": ScanStatus.PENDING.value},
                {"$set": {"status": ScanStatus.RUNNING.value, "start_timestamp": now,
                          "worker": self.ident, "lease_until": now + self.lease}},
                return_document=ReturnDocument.AFTER)
            if claimed is not None:
                return claimed
            await self._unlock(candidate["environment"], candidate["_id"])

    # --- while running --------------------------------------------------------------

    async def renew(self, scan: Doc, progress: Doc | None = None) -> bool:
        """Extend the lease (and write ``progress``); False when the scan must stop:
        cancelled, or no longer this runner's."""
        until = datetime.now(UTC) + self.lease
        update: Doc = {"lease_until": until}
        if progress is not None:
            update["progress"] = progress
        doc = await self.db.scans.find_one_and_update(
            {"_id": scan["_id"], "worker": self.ident}, {"$set": update},
            projection={"status": 1})
        await self.db.scan_locks.update_one(
            {"environment": scan["environment"], "scan_id": scan["_id"]},
            {"$set": {"lease_until": until}})
        return doc is not None and doc.get("status") == ScanStatus.RUNNING.value

    # --- ends -----------------------------------------------------------------------

    async def finish(self, scan: Doc, status: ScanStatus, **fields: Any) -> None:
        """End the scan with ``status``, unless it is no longer this runner's running scan
        (cancelled meanwhile, or failed by another for a lapsed lease)."""
        await self.db.scans.update_one(
            {"_id": scan["_id"], "status": ScanStatus.RUNNING.value, "worker": self.ident},
            {"$set": {"status": status.value, "end_timestamp": datetime.now(UTC), **fields},
             "$unset": {"lease_until": ""}})
        await self._unlock(scan["environment"], scan["_id"])

    async def abandon(self, scan: Doc) -> None:
        """Hand an interrupted scan back as pending (or leave it aborted if that is why it
        stopped)."""
        await self.db.scans.update_one(
            {"_id": scan["_id"], "status": ScanStatus.RUNNING.value, "worker": self.ident},
            {"$set": {"status": ScanStatus.PENDING.value},
             "$unset": {"worker": "", "lease_until": ""}})
        await self._unlock(scan["environment"], scan["_id"])

    async def fail_expired(self) -> list[Doc]:
        """Fail the running scans whose lease expired (their runner died) and request
        them again, up to the attempt limit; the failed scans."""
        now = datetime.now(UTC)
        failed: list[Doc] = []
        while True:
            dead = await self.db.scans.find_one_and_update(
                {"status": ScanStatus.RUNNING.value, "lease_until": {"$lt": now}},
                {"$set": {"status": ScanStatus.FAILED.value, "end_timestamp": now,
                          "error": "the worker running this scan stopped answering"}})
            if dead is None:
                return failed
            failed.append(dead)
            await self._unlock(dead["environment"], dead["_id"])
            attempt = int(dead.get("attempt", 1))
            if attempt < self.max_attempts:
                retry = {k: v for k, v in dead.items() if k not in (
                    "_id", "status", "start_timestamp", "end_timestamp", "worker",
                    "lease_until", "error", "progress", "result")}
                retry.update(status=ScanStatus.PENDING.value, submit_timestamp=now,
                             attempt=attempt + 1, retry_of=dead["_id"])
                await self.db.scans.insert_one(retry)

    # --- the environment's lock -----------------------------------------------------

    async def _busy_environments(self) -> list[str]:
        now = datetime.now(UTC)
        locked = await self.db.scan_locks.distinct(
            "environment", {"scan_id": {"$ne": None}, "lease_until": {"$gte": now}})
        running = await self.db.scans.distinct("environment",
                                               {"status": ScanStatus.RUNNING.value})
        return sorted(set(locked) | set(running))

    async def _lock(self, env: str, scan_id: ObjectId) -> None:
        now = datetime.now(UTC)
        free = {"environment": env, "$or": [{"scan_id": None},
                                            {"lease_until": {"$lt": now}}]}
        try:
            await self.db.scan_locks.update_one(
                free, {"$set": {"scan_id": scan_id, "worker": self.ident,
                                "lease_until": now + self.lease, "since": now}},
                upsert=True)
        except DuplicateKeyError:
            holder = await self.db.scan_locks.find_one({"environment": env})
            raise EnvironmentBusy(env, holder) from None
        running = await self.db.scans.find_one(
            {"environment": env, "status": ScanStatus.RUNNING.value,
             "lease_until": {"$gte": now}, "_id": {"$ne": scan_id}}, {"worker": 1})
        if running is not None:  # a scan started before locks existed, still alive
            await self._unlock(env, scan_id)
            raise EnvironmentBusy(env, {"scan_id": running["_id"],
                                        "worker": running.get("worker")})

    async def _unlock(self, env: str, scan_id: Any) -> None:
        await self.db.scan_locks.update_one({"environment": env, "scan_id": scan_id},
                                            {"$set": {"scan_id": None}})
