"""The real ``calipso`` command in a subprocess: usage errors, a quiet start, the data folder
shared with a running ``calipso serve``, seeding by any command, signals, the terminal."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from calipso.embedded_db import free_port
from calipso.embedded_owner import ADDRESS_FILE
from calipso.sim import spec_from_flags
from calipso.sim.server import SimCloud

pytestmark = pytest.mark.timeout(180)

CALIPSO = str(Path(sys.executable).parent / "calipso")


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a first run: no CALIPSO_* but a fresh data folder (and ``extra``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALIPSO_")}
    return env | {"CALIPSO_DATA_DIR": str(tmp_path / "data")} | extra


def calipso(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([CALIPSO, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


# --- usage errors: exit 2, one clear message, nothing started -----------------------------

@pytest.mark.parametrize(("args", "says"), [
    ((), "required: COMMAND"),
    (("nope",), "invalid choice: 'nope'"),
    (("scan", "--bogus"), "unrecognized arguments: --bogus"),
    (("scan",), "give the name of a configured one (calipso scan NAME), or --env-file FILE"),
    (("scan", "a", "--env-file", "b.json"), "give an environment name or --env-file, not both"),
    (("scan", "a", "--links-only", "--cliques-only"), "not allowed with argument"),
    (("db",), "required: DB_COMMAND"),
])
def test_usage_errors_exit_2_at_once_starting_nothing(tmp_path: Path, args: tuple[str, ...],
                                                      says: str) -> None:
    started = time.monotonic()
    done = calipso(clean_env(tmp_path), *args)
    assert done.returncode == 2
    assert says in done.stderr
    assert done.stderr.startswith("usage: calipso")
    assert time.monotonic() - started < 5
    assert not (tmp_path / "data").exists()  # no database was started


def test_a_missing_env_file_is_one_line_before_any_database(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    started = time.monotonic()
    done = calipso(clean_env(tmp_path), "scan", "--env-file", str(missing))
    assert done.returncode == 2
    assert done.stderr == f"calipso: --env-file {missing}: No such file or directory\n"
    assert time.monotonic() - started < 3
    assert not (tmp_path / "data").exists()


async def test_an_unknown_environment_exits_2_naming_the_known_ones(
        tmp_path: Path, mongo_uri: str, mongo_client: AsyncMongoClient, db_name: str) -> None:
    await mongo_client[db_name].environments_config.insert_many(
        [{"name": "beta"}, {"name": "alpha"}])
    env = clean_env(tmp_path, CALIPSO_MONGO_URI=mongo_uri, CALIPSO_DB_NAME=db_name)
    done = await asyncio.to_thread(calipso, env, "scan", "nope")
    await mongo_client.drop_database(db_name)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "calipso: scan: no environment 'nope' (configured: alpha, beta); "
        "--env-file FILE registers one")


def test_importing_asyncssh_through_calipso_prints_no_warning() -> None:
    """Whatever cryptography emits for asyncssh's DSA support stays off stderr."""
    modules = ("calipso.sources.ssh_pool", "calipso.sources.host_keys",
               "calipso.sim.ssh.server", "calipso.api.connection_probes")
    done = subprocess.run([sys.executable, "-W", "always", "-c",
                           "; ".join(f"import {m}" for m in modules)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


# --- the embedded database of a data folder -------------------------------------------

@pytest.fixture
async def sim_env_file(tmp_path: Path) -> AsyncIterator[Path]:
    spec = spec_from_flags(hosts=3, instances=4, networks=1, driver="ovs", seed=5)
    async with SimCloud(spec, env_name="first-hour") as sim:
        path = tmp_path / "env.json"
        path.write_text(json.dumps(sim.env_config()))
        yield path


async def test_scan_on_a_fresh_data_folder_seeds_and_finds_cliques(
        tmp_path: Path, sim_env_file: Path) -> None:
    done = await asyncio.to_thread(calipso, clean_env(tmp_path), "scan", "--env-file",
                                   str(sim_env_file))
    assert done.returncode == 0, done.stderr
    cliques = re.search(r"cliques (\d+)", done.stdout)
    assert cliques and int(cliques.group(1)) > 0, done.stdout
    assert "seeded an empty database" in done.stderr


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=2) as answer:
        return json.load(answer)


def _wait_serving(proc: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            _get_json(f"http://127.0.0.1:{port}/health")
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("calipso serve did not answer")


async def test_scan_beside_serve_uses_its_database(tmp_path: Path, sim_env_file: Path) -> None:
    port = free_port()
    env = clean_env(tmp_path, CALIPSO_AUTH="none", CALIPSO_API_BIND=f"127.0.0.1:{port}")
    serve = await asyncio.to_thread(subprocess.Popen, [CALIPSO, "serve"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True)
    try:
        await asyncio.to_thread(_wait_serving, serve, port)
        address = json.loads((tmp_path / "data" / ADDRESS_FILE).read_text())
        assert (address["pid"], address["command"]) == (serve.pid, "serve")

        done = await asyncio.to_thread(calipso, env, "scan", "--env-file", str(sim_env_file))
        assert done.returncode == 0, done.stderr
        assert "using the embedded database of the running calipso serve" in done.stderr
        found = await asyncio.to_thread(
            _get_json, f"http://127.0.0.1:{port}/inventory?env_name=first-hour&type=instance")
        assert len(found["objects"]) == 4  # serve sees what the scan wrote

        other = clean_env(tmp_path, CALIPSO_API_BIND=f"127.0.0.1:{free_port()}")
        second = await asyncio.to_thread(calipso, other, "serve")
        assert second.returncode == 2
        assert second.stderr.strip().splitlines()[-1] == (
            f"calipso: CALIPSO_DATA_DIR {tmp_path / 'data'} is in use by `calipso serve` "
            f"(pid {serve.pid}): stop it first, or set another CALIPSO_DATA_DIR")
        serve.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(serve.wait, 10) == 0
        assert not (tmp_path / "data" / ADDRESS_FILE).exists()
    finally:
        serve.kill()
        serve.wait()


async def test_serve_beside_a_running_scan_says_what_to_do(tmp_path: Path) -> None:
    spec = spec_from_flags(hosts=3, instances=4, networks=1, driver="ovs", seed=8)
    env = clean_env(tmp_path, CALIPSO_API_BIND=f"127.0.0.1:{free_port()}")
    address = tmp_path / "data" / ADDRESS_FILE
    async with SimCloud(spec, env_name="busy", ssh_latency_ms=400) as sim:
        env_file = tmp_path / "env.json"
        env_file.write_text(json.dumps(sim.env_config()))
        scan = await asyncio.create_subprocess_exec(
            CALIPSO, "scan", "--env-file", str(env_file), env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            for _ in range(300):
                if address.exists():
                    break
                await asyncio.sleep(0.1)
            done = await asyncio.to_thread(calipso, env, "serve", timeout=30)
        finally:
            scan.terminate()
            await scan.wait()
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        f"calipso: CALIPSO_DATA_DIR {tmp_path / 'data'} is in use by `calipso scan` "
        f"(pid {scan.pid}): wait for it to end, or start `calipso serve` first: commands "
        "run beside it use its database")


def test_an_address_file_left_by_a_dead_calipso_is_replaced(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    (data / ADDRESS_FILE).write_text(json.dumps(
        {"pid": dead.pid, "command": "serve", "host": "127.0.0.1", "port": free_port()}))
    done = calipso(clean_env(tmp_path), "db", "init")
    assert done.returncode == 0, done.stderr
    assert "replacing the address file of a calipso that died" in done.stderr
    assert "inserted" in done.stdout
    assert not (data / ADDRESS_FILE).exists()


# --- a scan interrupted, and the terminal ----------------------------------------------

async def test_sigterm_during_a_scan_is_logged_and_recorded(
        tmp_path: Path, mongo_uri: str, mongo_client: AsyncMongoClient, db_name: str) -> None:
    spec = spec_from_flags(hosts=4, instances=6, networks=1, driver="ovs", seed=6)
    env = clean_env(tmp_path, CALIPSO_MONGO_URI=mongo_uri, CALIPSO_DB_NAME=db_name)
    async with SimCloud(spec, env_name="slow", ssh_latency_ms=400) as sim:
        env_file = tmp_path / "env.json"
        env_file.write_text(json.dumps(sim.env_config()))
        proc = await asyncio.create_subprocess_exec(
            CALIPSO, "scan", "--env-file", str(env_file), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        scans = mongo_client[db_name].scans
        for _ in range(600):  # the scan document appears once its database is open
            if await scans.find_one({"status": "running"}) is not None:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    scan = await scans.find_one({})
    await mongo_client.drop_database(db_name)
    assert proc.returncode == 128 + signal.SIGTERM
    assert re.search(r"WARNING .*scan interrupted by a signal: it is recorded as failed "
                     r"\[signal=SIGTERM\]", err.decode())
    assert (scan["status"], scan["error"]) == ("failed", "interrupted by SIGTERM")


CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _run_on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal; exit status and what it showed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, env=env | {"TERM": "xterm", "COLUMNS": "250"},
                            stdout=follower, stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child side closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return proc.wait(timeout=30), shown.decode(errors="replace")


async def test_on_a_terminal_logs_print_above_the_progress_bar(
        tmp_path: Path, mongo_uri: str, db_name: str) -> None:
    spec = spec_from_flags(hosts=4, instances=6, networks=1, driver="ovs", seed=7)
    env = clean_env(tmp_path, CALIPSO_MONGO_URI=mongo_uri, CALIPSO_DB_NAME=db_name,
                    CALIPSO_LOG_LEVEL="DEBUG")
    async with SimCloud(spec, env_name="tty", ssh_latency_ms=100, dead_hosts=1) as sim:
        env_file = tmp_path / "env.json"
        env_file.write_text(json.dumps(sim.env_config()))
        code, shown = await asyncio.to_thread(
            _run_on_a_terminal, [CALIPSO, "scan", "--env-file", str(env_file)], env)
    assert code == 3, shown
    segments = [CSI.sub("", s) for s in re.split(r"[\r\n]", shown)]
    logs = [s for s in segments if re.search(r" (DEBUG|INFO|WARNING) calipso", s)]
    assert len(logs) > 10
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", s) for s in logs), [
        s for s in logs if not re.match(r"\d{4}-", s)][:3]
    assert any("objects" in s and "errors" in s for s in segments)  # the bar was drawn
