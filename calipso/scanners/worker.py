"""The scan worker: turns schedules into requests, claims requests, runs them, keeps leases.

Several Calipso processes may share one database. A request is claimed with one atomic
``find_one_and_update`` (oldest first) and held under a lease the running scan renews;
a scan whose worker died is failed when its lease expires, and tried again (up to
``CALIPSO_SCAN_MAX_ATTEMPTS``). Setting a running scan's status to ``aborted`` (the API's
cancel) stops it. On shutdown a scan that cannot finish in the grace period is handed
back as ``pending`` for the next worker.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from calipso.env_config import EnvironmentConfig, parse_environment
from calipso.errors import CalipsoError
from calipso.metadata import Metadata
from calipso.scanners.context import ScanContext
from calipso.scanners.scan import ScanOptions, ScanResult, run_scan
from calipso.settings import Settings

log = logging.getLogger(__name__)

FREQUENCIES: dict[str, timedelta] = {
    "HOURLY": timedelta(hours=1),
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(days=7),
    "MONTHLY": timedelta(days=365.25 / 12),
    "YEARLY": timedelta(days=365.25),
}
SCAN_FLAGS = ("clear", "scan_only_inventory", "scan_only_links", "scan_only_cliques", "log_level")


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def options_of(request: dict[str, Any]) -> ScanOptions:
    only = next((kind for kind in ("inventory", "links", "cliques")
                 if request.get(f"scan_only_{kind}")), None)
    return ScanOptions(clear=bool(request.get("clear")), only=only,  # type: ignore[arg-type]
                       object_id=request.get("object_id") or None)


async def load_environment(db: AsyncDatabase, name: str) -> EnvironmentConfig:
    doc = await db.environments_config.find_one({"name": name}, {"_id": 0})
    if doc is None:
        raise CalipsoError(f"environment {name} is not configured")
    return parse_environment(doc, f"environment {name}")


def progress_doc(ctx: ScanContext) -> dict[str, Any]:
    state = ctx.state
    return {"phase": state.phase, "hosts_done": state.hosts_done,
            "hosts_total": state.hosts_total, "objects": len(state.objects),
            "errors": len(state.failures)}


class ScanWorker:
    def __init__(self, db: AsyncDatabase, settings: Settings, metadata: Metadata,
                 ident: str | None = None) -> None:
        self.db = db
        self.settings = settings
        self.metadata = metadata
        self.ident = ident or worker_id()
        self._running: dict[str, asyncio.Task[None]] = {}

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.scan_lease)

    # --- the part -------------------------------------------------------------------

    async def run(self, stopping: asyncio.Event) -> None:
        try:
            while not stopping.is_set():
                await self.tick()
                try:
                    await asyncio.wait_for(stopping.wait(), self.settings.scan_poll_interval)
                except TimeoutError:
                    pass
            if self._running:
                await asyncio.gather(*self._running.values(), return_exceptions=True)
        finally:
            for task in self._running.values():
                task.cancel()
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def tick(self) -> None:
        """One round: schedules due, dead workers' scans, new requests."""
        await self.process_schedules()
        await self.fail_expired()
        while len(self._running) < self.settings.max_concurrent_scans:
            request = await self.claim()
            if request is None:
                return
            env = request["environment"]
            task = asyncio.create_task(self._run_request(request),
                                       name=f"scan:{env}:{request['_id']}")
            self._running[env] = task
            task.add_done_callback(lambda _t, env=env: self._running.pop(env, None))

    # --- schedules ------------------------------------------------------------------

    async def process_schedules(self) -> int:
        now = datetime.now(UTC)
        created = 0
        async for schedule in self.db.scheduled_scans.find(
                {"$or": [{"scheduled_timestamp": {"$lte": now}},
                         {"scheduled_timestamp": None}]}):
            interval = FREQUENCIES.get(str(schedule.get("freq", "")).upper())
            if interval is None:
                continue
            due = schedule.get("scheduled_timestamp")
            if due is None:
                first = schedule.get("submit_timestamp") or now
                first = first if first.tzinfo else first.replace(tzinfo=UTC)
                await self.db.scheduled_scans.update_one(
                    {"_id": schedule["_id"], "scheduled_timestamp": None},
                    {"$set": {"scheduled_timestamp": max(first, now)}})
                continue
            following = due + interval
            if following <= now:
                following = now + interval
            advanced = await self.db.scheduled_scans.find_one_and_update(
                {"_id": schedule["_id"], "scheduled_timestamp": due},
                {"$set": {"scheduled_timestamp": following, "last_run": now}})
            if advanced is None:
                continue  # another worker took this run
            await self.db.scans.insert_one({
                "environment": schedule["environment"], "status": "pending",
                "submit_timestamp": now, "interval": schedule["freq"],
                "scheduled_scan_id": schedule["_id"],
                **{k: schedule[k] for k in SCAN_FLAGS if k in schedule},
                **({"object_id": schedule["object_id"]} if schedule.get("object_id") else {}),
            })
            created += 1
            log.info("scheduled scan due", extra={"env": schedule["environment"],
                                                  "freq": schedule["freq"]})
        return created

    # --- claims and leases ----------------------------------------------------------

    async def claim(self) -> dict[str, Any] | None:
        busy = await self.db.scans.distinct("environment", {"status": "running"})
        now = datetime.now(UTC)
        return await self.db.scans.find_one_and_update(
            {"status": "pending", "submit_timestamp": {"$ne": None},
             "environment": {"$nin": busy}},
            {"$set": {"status": "running", "start_timestamp": now, "worker": self.ident,
                      "lease_until": now + self.lease}},
            sort=[("submit_timestamp", 1)], return_document=ReturnDocument.AFTER)

    async def fail_expired(self) -> int:
        now = datetime.now(UTC)
        failed = 0
        while True:
            dead = await self.db.scans.find_one_and_update(
                {"status": "running", "lease_until": {"$lt": now}},
                {"$set": {"status": "failed", "end_timestamp": now,
                          "error": "the worker running this scan stopped answering"}})
            if dead is None:
                return failed
            failed += 1
            attempt = int(dead.get("attempt", 1))
            log.warning("scan lease expired", extra={"env": dead["environment"],
                                                     "scan_id": str(dead["_id"])})
            if attempt < self.settings.scan_max_attempts:
                retry = {k: v for k, v in dead.items() if k not in (
                    "_id", "status", "start_timestamp", "end_timestamp", "worker",
                    "lease_until", "error", "progress", "result")}
                retry.update(status="pending", submit_timestamp=now, attempt=attempt + 1,
                             retry_of=dead["_id"])
                await self.db.scans.insert_one(retry)

    async def _keep_lease(self, scan_id: Any, task: asyncio.Task[ScanResult],
                          ctx_box: list[ScanContext]) -> None:
        every = max(1.0, self.settings.scan_lease / 3)
        while not task.done():
            await asyncio.sleep(min(every, 2.0))
            update: dict[str, Any] = {"lease_until": datetime.now(UTC) + self.lease}
            if ctx_box:
                update["progress"] = progress_doc(ctx_box[0])
            doc = await self.db.scans.find_one_and_update(
                {"_id": scan_id, "worker": self.ident}, {"$set": update},
                projection={"status": 1})
            if doc is None or doc.get("status") == "aborted":
                task.cancel()
                return

    # --- running one request --------------------------------------------------------

    async def _run_request(self, request: dict[str, Any]) -> None:
        scan_id = request["_id"]
        env_name = request["environment"]
        try:
            env = await load_environment(self.db, env_name)
        except CalipsoError as err:
            await self._finish(scan_id, "failed", error=str(err))
            return
        ctx_box: list[ScanContext] = []

        def seen(ctx: ScanContext) -> None:
            if not ctx_box:
                ctx_box.append(ctx)

        options = options_of(request)
        scan = asyncio.create_task(run_scan(
            self.db, self.settings, env, self.metadata, options, str(scan_id), progress=seen),
            name=f"scan:{env_name}:{scan_id}:run")
        keeper = asyncio.create_task(self._keep_lease(scan_id, scan, ctx_box))
        try:
            result = await scan
        except asyncio.CancelledError:
            keeper.cancel()
            await asyncio.shield(self._abandon(scan_id))
            me = asyncio.current_task()
            if me is not None and not me.cancelling():
                return  # aborted through the API: the status says so already
            raise
        except Exception as err:
            log.exception("scan failed", extra={"env": env_name, "scan_id": str(scan_id)})
            await self._finish(scan_id, "failed", error=f"{type(err).__name__}: {err}")
            await self.db.environments_config.update_one(
                {"name": env_name}, {"$set": {"scanned": False}})
            return
        finally:
            keeper.cancel()
        await self._finish(scan_id, result.status, result=result.to_doc())
        if options.object_id is None and options.only in (None, "inventory"):
            await self.db.environments_config.update_one(
                {"name": env_name},
                {"$set": {"scanned": True, "last_scanned": datetime.now(UTC)}})

    async def _finish(self, scan_id: Any, status: str, **fields: Any) -> None:
        await self.db.scans.update_one(
            {"_id": scan_id, "status": {"$ne": "aborted"}},
            {"$set": {"status": status, "end_timestamp": datetime.now(UTC), **fields},
             "$unset": {"lease_until": ""}})

    async def _abandon(self, scan_id: Any) -> None:
        """Hand an interrupted scan back (or leave it aborted if that is why it stopped)."""
        await self.db.scans.update_one(
            {"_id": scan_id, "status": "running", "worker": self.ident},
            {"$set": {"status": "pending"}, "$unset": {"worker": "", "lease_until": ""}})
