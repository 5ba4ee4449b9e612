"""The scan worker inside `calipso serve`: requests, schedules, cancels and a killed worker."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from calipso.embedded_db import free_port
from calipso.sim import spec_from_flags
from calipso.sim.server import SimCloud

pytestmark = pytest.mark.timeout(240)
FAST = {"CALIPSO_SCAN_POLL_INTERVAL": "0.2", "CALIPSO_SCAN_LEASE": "5"}


def small_cloud(**more: Any) -> SimCloud:
    spec = spec_from_flags(hosts=3, instances=4, networks=1, driver="ovs", seed=21)
    return SimCloud(spec, env_name="svc", **more)


async def wait_for(db: AsyncDatabase, query: dict[str, Any], within: float = 90) -> dict:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        doc = await db.scans.find_one(query)
        if doc is not None:
            return doc
        await asyncio.sleep(0.2)
    raise AssertionError(f"no scan matching {query}: "
                         f"{await db.scans.find({}, {'status': 1}).to_list(None)}")


async def test_a_requested_scan_runs_and_marks_the_environment(start_service) -> None:
    async with small_cloud() as sim, start_service(**FAST) as svc:
        db = svc.ctx.database.db
        await db.environments_config.insert_one(sim.env_config())
        await db.scans.insert_one({"environment": "svc", "status": "pending",
                                   "submit_timestamp": datetime.now(UTC)})
        done = await wait_for(db, {"status": {"$in": ["completed", "failed"]}})
        assert done["status"] == "completed", done
        assert done["result"]["counts"]["instance"] == 4
        env = await db.environments_config.find_one({"name": "svc"})
        assert env["scanned"] is True and env["last_scanned"] is not None


async def test_a_schedule_runs_on_time_and_again_an_interval_later(start_service) -> None:
    async with small_cloud() as sim, start_service(**FAST) as svc:
        db = svc.ctx.database.db
        await db.environments_config.insert_one(sim.env_config())
        start = datetime.now(UTC) + timedelta(seconds=2)
        await db.scheduled_scans.insert_one({"environment": "svc", "freq": "HOURLY",
                                             "submit_timestamp": start})
        done = await wait_for(db, {"status": "completed", "interval": "HOURLY"})
        assert done["start_timestamp"] >= start - timedelta(seconds=1)
        schedule = await db.scheduled_scans.find_one({"environment": "svc"})
        assert schedule["scheduled_timestamp"] - start >= timedelta(minutes=59)


async def test_cancelling_a_running_scan_stops_it(start_service) -> None:
    async with small_cloud(ssh_latency_ms=400) as sim, start_service(**FAST) as svc:
        db = svc.ctx.database.db
        await db.environments_config.insert_one(sim.env_config())
        await db.scans.insert_one({"environment": "svc", "status": "pending",
                                   "submit_timestamp": datetime.now(UTC)})
        running = await wait_for(db, {"status": "running"})
        progress = (await wait_for(db, {"_id": running["_id"], "progress.objects": {"$gt": 0}},
                                   within=30))["progress"]
        assert progress["phase"] == "inventory" and progress["errors"] == 0
        await db.scans.update_one({"_id": running["_id"]}, {"$set": {"status": "aborted"}})
        await asyncio.sleep(4)
        scan = await db.scans.find_one({"_id": running["_id"]})
        assert scan["status"] == "aborted"
        assert svc.ctx.supervisor.states["scan-worker"].status == "running"
        # the worker is free again: a new request for the same environment runs
        await db.scans.insert_one({"environment": "svc", "status": "pending",
                                   "submit_timestamp": datetime.now(UTC)})
        await wait_for(db, {"status": "running", "_id": {"$ne": running["_id"]}})


async def test_the_scan_of_a_killed_worker_is_failed_and_retried(
        start_service, mongo_uri: str, db_name: str, tmp_path) -> None:
    async with small_cloud(ssh_latency_ms=300) as sim:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CALIPSO_")}
        env.update(CALIPSO_MONGO_URI=mongo_uri, CALIPSO_DB_NAME=db_name,
                   CALIPSO_API_BIND=f"127.0.0.1:{free_port()}",
                   CALIPSO_DATA_DIR=str(tmp_path / "other"), **FAST)
        other = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "calipso.cli", "serve", env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        client: AsyncMongoClient = AsyncMongoClient(mongo_uri, tz_aware=True)
        try:
            db = client[db_name]
            await db.environments_config.insert_one(sim.env_config())
            await db.scans.insert_one({"environment": "svc", "status": "pending",
                                       "submit_timestamp": datetime.now(UTC)})
            claimed = await wait_for(db, {"status": "running"}, within=60)
        finally:
            other.send_signal(signal.SIGKILL)
            await other.wait()
            await client.close()
        async with start_service(**FAST) as svc:
            db = svc.ctx.database.db
            failed = await wait_for(db, {"_id": claimed["_id"], "status": "failed"}, 60)
            assert "stopped answering" in failed["error"]
            retry = await wait_for(db, {"retry_of": claimed["_id"], "status": "completed"},
                                   within=120)
            assert retry["attempt"] == 2


async def test_shutdown_hands_a_running_scan_back_for_the_next_worker(
        start_service, mongo_client: AsyncMongoClient, db_name: str) -> None:
    db = mongo_client[db_name]
    async with small_cloud(ssh_latency_ms=400) as sim:
        async with start_service(CALIPSO_SHUTDOWN_GRACE="0.5", **FAST):
            await db.environments_config.insert_one(sim.env_config())
            await db.scans.insert_one({"environment": "svc", "status": "pending",
                                       "submit_timestamp": datetime.now(UTC)})
            running = await wait_for(db, {"status": "running"})
            stopping_at = time.monotonic()
        assert time.monotonic() - stopping_at < 10
    scan = await db.scans.find_one({"_id": running["_id"]})
    assert scan["status"] == "pending"
    assert "worker" not in scan and "lease_until" not in scan
