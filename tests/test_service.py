"""`calipso serve`: health, start-up faults, graceful stop, the embedded database."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from calipso.api.app import SITE_SHUTDOWN_TIMEOUT
from calipso.embedded_db import STOP_TIMEOUT, EmbeddedServer, free_port
from calipso.errors import ConfigError, DatabaseUnavailable
from calipso.seed import database_is_empty
from calipso.settings import Settings

pytestmark = pytest.mark.timeout(120)


async def get_json(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return resp.status, await resp.json()


async def test_health_reports_database_version_and_parts(start_service) -> None:
    async with start_service() as svc:
        status, body = await get_json(f"{svc.url}/health")
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"]["reachable"] is True
    assert body["version"]
    assert body["uptime_s"] >= 0
    assert body["parts"]["api"]["status"] == "running"


async def test_unknown_path_is_a_json_error(start_service) -> None:
    async with start_service() as svc:
        status, body = await get_json(f"{svc.url}/no/such/thing")
    assert status == 404
    assert body["error"]["code"] == 404
    assert body["error"]["title"]


async def test_health_is_503_when_the_database_is_down(start_service, tmp_path: Path) -> None:
    server = EmbeddedServer(tmp_path / "own-db")
    await server.start()
    try:
        async with start_service(CALIPSO_MONGO_URI=server.uri) as svc:
            status, _ = await get_json(f"{svc.url}/health")
            assert status == 200
            await server.stop()
            status, body = await get_json(f"{svc.url}/health")
            assert status == 503
            assert body["status"] == "degraded"
            assert body["database"]["reachable"] is False
    finally:
        await server.stop()


async def test_a_killed_embedded_database_is_detected_and_restarted(
    start_service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CALIPSO_MONGO_URI", raising=False)
    async with start_service(CALIPSO_MONGO_URI="", CALIPSO_DATA_DIR=str(tmp_path / "d")) as svc:
        _, body = await get_json(f"{svc.url}/health")
        pid = body["database"]["server_pid"]
        assert body["database"]["embedded"] is True
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status, body = await get_json(f"{svc.url}/health")
            if status == 200 and body["database"]["server_restarts"] == 1:
                break
            await asyncio.sleep(0.3)
        assert body["database"]["server_restarts"] == 1
        assert body["database"]["server_pid"] != pid
        assert body["parts"]["database-server"]["status"] == "running"
        # the restarted server still holds what was written before the kill
        count = await svc.ctx.database.db.constants.count_documents({})
        assert count > 0


async def test_embedded_data_survives_a_restart(tmp_path: Path) -> None:
    server = EmbeddedServer(tmp_path)
    await server.start()
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient = AsyncMongoClient(server.uri)
    await client.calipso.things.insert_one({"name": "kept"})
    await client.close()
    await server.stop()
    again = EmbeddedServer(tmp_path)
    await again.start()
    client = AsyncMongoClient(again.uri)
    try:
        assert await client.calipso.things.find_one({"name": "kept"}) is not None
    finally:
        await client.close()
        await again.stop()


async def test_port_taken_is_a_clear_error(start_service) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(ConfigError, match="address already in use"):
            async with start_service(CALIPSO_API_BIND=f"127.0.0.1:{port}"):
                pass


async def test_a_taken_port_is_refused_before_anything_is_written(
        start_service, db, settings_env: dict[str, str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(ConfigError, match="address already in use"):
            async with start_service(CALIPSO_API_BIND=f"127.0.0.1:{port}"):
                pass
    assert await database_is_empty(db)  # not seeded
    assert await db.users.find_one({}) is None
    assert not (Path(settings_env["CALIPSO_DATA_DIR"]) / "admin-password").exists()


async def test_unreachable_mongo_uri_is_a_clear_error(start_service) -> None:
    with pytest.raises(DatabaseUnavailable, match="CALIPSO_MONGO_URI"):
        async with start_service(
            CALIPSO_MONGO_URI=f"mongodb://127.0.0.1:{free_port()}/?directConnection=true",
            CALIPSO_MONGO_TIMEOUT="1",
        ):
            pass


def test_shutdown_budget_fits_in_ten_seconds() -> None:
    longest_grace = Settings.model_fields["shutdown_grace"].metadata
    grace_max = next(m.le for m in longest_grace if getattr(m, "le", None) is not None)
    assert grace_max + SITE_SHUTDOWN_TIMEOUT + STOP_TIMEOUT < 10


def _cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALIPSO_")}
    env.update({"CALIPSO_DATA_DIR": str(tmp_path / "data")}, **extra)
    return env


def _wait_health(port: int, proc: subprocess.Popen, within: float = 30) -> dict:
    import json
    import urllib.request

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited early: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                return json.load(r)
        except OSError:
            time.sleep(0.2)
    raise AssertionError("serve did not answer /health")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


def _wait_gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _gone(pid)


def _start_serve(tmp_path: Path, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "calipso.cli", "serve"],
        env=_cli_env(tmp_path, CALIPSO_API_BIND=f"127.0.0.1:{port}"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def test_sigterm_stops_serve_within_ten_seconds_leaving_nothing(tmp_path: Path) -> None:
    port = free_port()
    proc = _start_serve(tmp_path, port)
    try:
        health = _wait_health(port, proc)
        db_pid = health["database"]["server_pid"]
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - started < 10
        assert _wait_gone(db_pid, 2), "secantusd-py left running"
        assert ("stop requested: a running scan gets grace_s seconds to finish, else it goes "
                "back to pending for the next worker [signal=SIGTERM grace_s=3.0]"
                ) in proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()


def test_embedded_database_dies_with_a_killed_calipso(tmp_path: Path) -> None:
    port = free_port()
    proc = _start_serve(tmp_path, port)
    try:
        db_pid = _wait_health(port, proc)["database"]["server_pid"]
        proc.kill()
        proc.wait()
        assert _wait_gone(db_pid, 5), "secantusd-py outlived a killed calipso"
    finally:
        proc.kill()
        proc.wait()


def test_unwritable_data_dir_is_one_line_and_nonzero_exit(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = subprocess.run(
        [sys.executable, "-m", "calipso.cli", "serve"],
        env=_cli_env(tmp_path, CALIPSO_DATA_DIR=str(blocker / "data")),
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("calipso: CALIPSO_DATA_DIR") and "not writable" in last
