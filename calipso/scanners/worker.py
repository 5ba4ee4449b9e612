"""The scan worker: turns schedules into requests, claims requests, runs them.

Several Calipso processes may share one database; ``ScanRequests`` (the scan lifecycle)
makes each request run once, one scan per environment at a time, and fails and retries
the scans of a runner that died. Setting a running scan's status to ``aborted`` (the
API's cancel) stops it. On shutdown a scan that cannot finish in the grace period is
handed back as ``pending`` for the next worker.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from calipso.env_config import EnvironmentConfig, parse_environment
from calipso.errors import CalipsoError
from calipso.scanners.lifecycle import SCAN_FLAGS, ScanRequests, ScanStatus
from calipso.scanners.metadata_files import Metadata
from calipso.scanners.runner import ScanAborted, run_claimed
from calipso.settings import Settings
from calipso.sources import SshPools

log = logging.getLogger(__name__)

FREQUENCIES: dict[str, timedelta] = {
    "HOURLY": timedelta(hours=1),
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(days=7),
    "MONTHLY": timedelta(days=365.25 / 12),
    "YEARLY": timedelta(days=365.25),
}


async def load_environment(db: AsyncDatabase, name: str) -> EnvironmentConfig:
    doc = await db.environments_config.find_one({"name": name}, {"_id": 0})
    if doc is None:
        raise CalipsoError(f"environment {name} is not configured")
    return parse_environment(doc, f"environment {name}")


class ScanWorker:
    def __init__(self, db: AsyncDatabase, settings: Settings, metadata: Metadata,
                 ident: str | None = None, ssh_pools: SshPools | None = None) -> None:
        self.db = db
        self.settings = settings
        self.metadata = metadata
        self.requests = ScanRequests(db, settings.scan_lease, settings.scan_max_attempts,
                                     ident)
        self.ident = self.requests.ident
        self.ssh_pools = ssh_pools
        self._running: dict[str, asyncio.Task[None]] = {}

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
                "environment": schedule["environment"], "status": ScanStatus.PENDING.value,
                "submit_timestamp": now, "interval": schedule["freq"],
                "scheduled_scan_id": schedule["_id"],
                **{k: schedule[k] for k in SCAN_FLAGS if schedule.get(k)},
            })
            created += 1
            log.info("scheduled scan due", extra={"env": schedule["environment"],
                                                  "freq": schedule["freq"]})
        return created

    # --- claims and leases ----------------------------------------------------------

    async def claim(self) -> dict[str, Any] | None:
        return await self.requests.claim()

    async def fail_expired(self) -> int:
        failed = await self.requests.fail_expired()
        for dead in failed:
            log.warning("scan lease expired", extra={"env": dead["environment"],
                                                     "scan_id": str(dead["_id"])})
        return len(failed)

    # --- running one request --------------------------------------------------------

    async def _run_request(self, request: dict[str, Any]) -> None:
        env_name = request["environment"]
        try:
            env = await load_environment(self.db, env_name)
        except CalipsoError as err:
            await self.requests.finish(request, ScanStatus.FAILED, error=str(err))
            return
        try:
            await run_claimed(self.requests, request, env, db=self.db,
                              settings=self.settings, metadata=self.metadata,
                              ssh_pools=self.ssh_pools)
        except ScanAborted:
            return
        except Exception:  # recorded as the scan's failure by run_claimed
            return
