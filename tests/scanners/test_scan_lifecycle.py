"""One scan lifecycle for workers and `calipso scan`: one scan per environment at a time,
a killed runner's scan failed and retried, honest outcomes, re-scans that write nothing."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from calipso.embedded_db import free_port
from calipso.env_config import EnvironmentConfig
from calipso.inventory import delete_object
from calipso.scanners.lifecycle import ScanOptions, ScanStatus, request_scan
from calipso.scanners.metadata_files import Metadata
from calipso.scanners.scan import ScanResult, run_scan
from calipso.scanners.worker import ScanWorker
from calipso.settings import Settings, load_settings
from calipso.sim import spec_from_flags
from calipso.sim.server import SimCloud

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("CALIPSO_SCAN_LEASE", "5")
    return load_settings()


@pytest.fixture
def cli_env(mongo_uri: str, db_name: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALIPSO_")}
    env.update(CALIPSO_MONGO_URI=mongo_uri, CALIPSO_DB_NAME=db_name,
               CALIPSO_DATA_DIR=str(tmp_path / "data"), CALIPSO_SCAN_LEASE="5")
    return env


async def start_cli(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "calipso.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def run_cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    proc = await start_cli(env, *args)
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def eventually(check: Callable[[], Awaitable[Any]], within: float = 60) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        found = await check()
        if found:
            return found
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


async def register(db: AsyncDatabase, sim: SimCloud) -> str:
    doc = sim.env_config()
    await db.environments_config.replace_one({"name": doc["name"]}, doc, upsert=True)
    return str(doc["name"])


async def test_a_killed_cli_scan_is_failed_and_retried_by_a_worker(
        seeded: AsyncDatabase, settings: Settings, metadata: Metadata,
        cli_env: dict[str, str]) -> None:
    db = seeded
    spec = spec_from_flags(hosts=3, instances=4, networks=1, driver="ovs", seed=31)
    async with SimCloud(spec, env_name="killed") as sim:
        await register(db, sim)
        sim.set_faults(latency_ms=3000)  # a scan that takes a while
        proc = await start_cli(cli_env, "scan", "killed")
        first = await eventually(lambda: db.scans.find_one(
            {"environment": "killed", "status": "running", "origin": "cli"}))
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        sim.set_faults(latency_ms=0)
        worker = ScanWorker(db, settings, metadata, ident="worker-1")
        # the dead CLI's lease runs out; the worker fails its scan and runs it again
        await eventually(worker.fail_expired, within=30)
        failed = await db.scans.find_one({"_id": first["_id"]})
        assert failed["status"] == "failed" and "stopped answering" in failed["error"]
        await worker.tick()
        retry = await eventually(lambda: db.scans.find_one(
            {"retry_of": first["_id"], "status": {"$in": ["completed", "failed"]}}))
    assert retry["status"] == "completed" and retry["worker"] == "worker-1"
    assert (await db.environments_config.find_one({"name": "killed"}))["scanned"] is True


async def test_a_cli_scan_and_a_worker_scan_never_run_together(
        seeded: AsyncDatabase, settings: Settings, metadata: Metadata,
        cli_env: dict[str, str]) -> None:
    db = seeded
    spec = spec_from_flags(hosts=2, instances=2, networks=1, driver="ovs", seed=32)
    async with SimCloud(spec, env_name="one") as sim:
        await register(db, sim)
        sim.set_faults(latency_ms=1500)
        # a worker's scan runs: `calipso scan` of the same environment refuses at once
        worker = ScanWorker(db, settings, metadata, ident="worker-1")
        await request_scan(db, "one", ScanOptions())
        await worker.tick()
        code, _, err = await run_cli(cli_env, "scan", "one")
        assert code == 1 and "a scan of one is running" in err
        await eventually(lambda: db.scans.find_one({"environment": "one",
                                                    "status": "completed"}))
        # `calipso scan` runs: a worker claims nothing of that environment meanwhile
        proc = await start_cli(cli_env, "scan", "one")
        await eventually(lambda: db.scans.find_one(
            {"environment": "one", "status": "running", "origin": "cli"}))
        await request_scan(db, "one", ScanOptions())
        assert await worker.claim() is None
        assert await proc.wait() == 0
        claimed = await eventually(worker.claim)
        assert claimed["environment"] == "one"
        sim.set_faults(latency_ms=0)


async def test_an_unreachable_keystone_fails_the_scan(
        seeded: AsyncDatabase, settings: Settings, metadata: Metadata) -> None:
    db = seeded
    spec = spec_from_flags(hosts=2, instances=2, networks=1, driver="ovs", seed=33)
    async with SimCloud(spec, env_name="nokeystone") as sim:
        doc = sim.env_config()
    dead = free_port()
    for section in doc["configuration"]:
        if section["name"] == "OpenStack":
            section["port"] = dead
            section.pop("auth_url", None)
    await db.environments_config.insert_one(doc)
    worker = ScanWorker(db, settings, metadata)
    scan_id = await request_scan(db, "nokeystone", ScanOptions())
    await worker.tick()
    scan = await eventually(lambda: db.scans.find_one(
        {"_id": scan_id, "status": {"$nin": ["pending", "running"]}}))
    assert scan["status"] == "failed"
    assert str(dead) in scan["result"]["errors"][0]["target"]
    assert scan["progress"]["phase"] == "done"
    env = await db.environments_config.find_one({"name": "nokeystone"})
    assert not env.get("scanned")
    assert await db.inventory.count_documents({"environment": "nokeystone"}) == 0
    message = await db.messages.find_one({"environment": "nokeystone"})
    assert str(dead) in message["message"]


async def test_a_rescan_from_another_process_and_hash_seed_writes_nothing(
        seeded: AsyncDatabase, cli_env: dict[str, str], tmp_path: Path) -> None:
    db = seeded
    spec = spec_from_flags(hosts=4, instances=10, networks=3, driver="ovs", seed=34)
    async with SimCloud(spec, env_name="steady") as sim:
        env_file = tmp_path / "env.json"
        env_file.write_text(json.dumps(sim.env_config()))
        for seed in ("1", "2"):
            code, _, err = await run_cli(cli_env | {"PYTHONHASHSEED": seed},
                                         "scan", "--env-file", str(env_file))
            assert code == 0, err
    first, second = await db.scans.find({"environment": "steady"}).sort(
        "submit_timestamp", 1).to_list(None)
    assert sum(first["result"]["written"].values()) > 0
    assert second["result"]["written"] == {"inventory": 0, "links": 0, "cliques": 0}
    assert second["status"] == ScanStatus.COMPLETED
    assert second["progress"]["hosts_done"] == second["progress"]["hosts_total"] > 0


async def test_unreadable_output_names_the_host_and_the_command(
        seeded: AsyncDatabase, settings: Settings, metadata: Metadata) -> None:
    db = seeded
    spec = spec_from_flags(hosts=3, instances=4, networks=1, driver="ovs", seed=35)
    async with SimCloud(spec, env_name="garbled") as sim:
        await register(db, sim)
        host = next(h.name for h in sim.cloud.compute_hosts()
                    if sim.cloud.instances_on_host(h.name))
        sim.ssh.fail_command("virsh list", exit_status=0, stdout="<<garbage>>\n",
                             hosts=[host])
        worker = ScanWorker(db, settings, metadata)
        scan_id = await request_scan(db, "garbled", ScanOptions())
        await worker.tick()
        scan = await eventually(lambda: db.scans.find_one(
            {"_id": scan_id, "status": {"$nin": ["pending", "running"]}}))
    assert scan["status"] == ScanStatus.COMPLETED_WITH_ERRORS
    [error] = scan["result"]["errors"]
    assert error["target"] == f"{host}: virsh list"
    assert error["error"].startswith("unreadable output")
    message = await db.messages.find_one({"environment": "garbled"})
    assert f"{host}: virsh list" in message["message"]


async def test_links_and_cliques_are_kept_only_while_nothing_they_follow_from_changed(
        seeded: AsyncDatabase, settings: Settings, metadata: Metadata) -> None:
    db = seeded
    spec = spec_from_flags(hosts=3, instances=4, networks=2, driver="ovs", seed=36)
    async with SimCloud(spec, env_name="kept") as sim:
        env = EnvironmentConfig.model_validate(sim.env_config())

        async def scan() -> ScanResult:
            result = await run_scan(db, settings, env, metadata, ScanOptions(), "t")
            assert result.status == ScanStatus.COMPLETED, result.errors
            return result

        first = await scan()
        again = await scan()
        assert "links" not in again.phase_s and "cliques" not in again.phase_s
        assert (again.links, again.cliques) == (first.links, first.cliques)
        # a clique type edited: the next scan derives links and cliques again
        await db.clique_types.update_one({}, {"$set": {"name": "edited"}})
        assert "cliques" in (await scan()).phase_s
        # an object removed outside a scan: the scan puts it back, links and cliques too
        vnic = await db.inventory.find_one({"environment": "kept", "type": "vnic"})
        await delete_object(db, "kept", vnic["id"])
        restored = await scan()
        assert "links" in restored.phase_s
        assert (restored.links, restored.cliques) == (first.links, first.cliques)
        assert "links" not in (await scan()).phase_s
