"""The scan worker's bookkeeping: schedules that really run, atomic claims, dead workers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from calipso.config_paths import SHIPPED_CONFIG
from calipso.links.plan import load_link_plan
from calipso.scanners.metadata import parse_scanners
from calipso.scanners.metadata_files import Metadata
from calipso.scanners.worker import ScanWorker
from calipso.settings import Settings, load_settings


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("CALIPSO_SCAN_LEASE", "5")
    return load_settings()


@pytest.fixture
def metadata() -> Metadata:
    tree = parse_scanners({"scanners": {"ScanEnvironment": []}}, "test")
    return Metadata(tree, load_link_plan(SHIPPED_CONFIG / "link_finders.json"))


def worker(db: AsyncDatabase, settings: Settings, metadata: Metadata, name: str) -> ScanWorker:
    return ScanWorker(db, settings, metadata, ident=name)


async def test_a_due_schedule_makes_one_pending_scan_and_moves_on(
        db: AsyncDatabase, settings: Settings, metadata: Metadata) -> None:
    now = datetime.now(UTC)
    await db.scheduled_scans.insert_one({
        "environment": "env-a", "freq": "HOURLY", "clear": True,
        "submit_timestamp": now - timedelta(days=1),
        "scheduled_timestamp": now - timedelta(minutes=1)})
    one, two = worker(db, settings, metadata, "w1"), worker(db, settings, metadata, "w2")
    created = await asyncio.gather(one.process_schedules(), two.process_schedules())
    assert sum(created) == 1, "two workers must not both run the same schedule"
    scans = await db.scans.find({"environment": "env-a"}).to_list(None)
    assert len(scans) == 1
    assert scans[0]["status"] == "pending" and scans[0]["clear"] is True
    assert scans[0]["interval"] == "HOURLY"
    schedule = await db.scheduled_scans.find_one({"environment": "env-a"})
    assert schedule["scheduled_timestamp"] > now + timedelta(minutes=55)
    assert await one.process_schedules() == 0


async def test_a_new_schedule_runs_at_its_submit_time(
        db: AsyncDatabase, settings: Settings, metadata: Metadata) -> None:
    start = datetime.now(UTC) + timedelta(hours=2)
    await db.scheduled_scans.insert_one({"environment": "env-b", "freq": "DAILY",
                                         "submit_timestamp": start})
    w = worker(db, settings, metadata, "w1")
    await w.process_schedules()
    schedule = await db.scheduled_scans.find_one({"environment": "env-b"})
    assert abs(schedule["scheduled_timestamp"] - start) < timedelta(seconds=1)
    assert await db.scans.count_documents({}) == 0


async def test_each_request_is_claimed_once_oldest_first(
        db: AsyncDatabase, settings: Settings, metadata: Metadata) -> None:
    now = datetime.now(UTC)
    await db.scans.insert_many([
        {"environment": f"env-{i}", "status": "pending",
         "submit_timestamp": now - timedelta(seconds=10 - i)} for i in range(6)])
    workers = [worker(db, settings, metadata, f"w{i}") for i in range(3)]
    claimed = await asyncio.gather(*(w.claim() for w in workers for _ in range(2)))
    envs = [c["environment"] for c in claimed if c is not None]
    assert sorted(envs) == [f"env-{i}" for i in range(6)]
    assert await db.scans.count_documents({"status": "running"}) == 6


async def test_one_environment_never_runs_two_scans(
        db: AsyncDatabase, settings: Settings, metadata: Metadata) -> None:
    now = datetime.now(UTC)
    await db.scans.insert_many([
        {"environment": "same", "status": "pending", "submit_timestamp": now},
        {"environment": "same", "status": "pending", "submit_timestamp": now}])
    w = worker(db, settings, metadata, "w1")
    assert await w.claim() is not None
    assert await w.claim() is None


async def test_a_dead_workers_scan_is_failed_and_retried(
        db: AsyncDatabase, settings: Settings, metadata: Metadata) -> None:
    past = datetime.now(UTC) - timedelta(minutes=5)
    await db.scans.insert_one({"environment": "env-c", "status": "running", "worker": "gone",
                               "submit_timestamp": past, "lease_until": past, "clear": True})
    w = worker(db, settings, metadata, "w1")
    assert await w.fail_expired() == 1
    failed = await db.scans.find_one({"environment": "env-c", "status": "failed"})
    assert "stopped answering" in failed["error"]
    retry = await db.scans.find_one({"environment": "env-c", "status": "pending"})
    assert retry["attempt"] == 2 and retry["retry_of"] == failed["_id"]
    assert retry["clear"] is True
    # the last allowed attempt is not retried again
    await db.scans.update_one({"_id": retry["_id"]}, {"$set": {
        "status": "running", "lease_until": past, "attempt": settings.scan_max_attempts}})
    assert await w.fail_expired() == 1
    assert await db.scans.count_documents({"environment": "env-c", "status": "pending"}) == 0
