"""The embedded MongoDB-wire server (SecantusDB) run as a child process.

Used when ``CALIPSO_MONGO_URI`` is unset. The child gets ``PR_SET_PDEATHSIG`` so the
kernel kills it if Calipso dies without cleaning up (SIGKILL: a graceful close can stall
with no one left to wait for it, and WiredTiger's journal recovers from a kill as from
a crash; Calipso's own shutdown stops it gracefully with SIGTERM); a watchdog part
restarts it on the same port if it is killed, so clients reconnect by themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from calipso.errors import ConfigError, DatabaseUnavailable

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
START_TIMEOUT = 30.0
STOP_TIMEOUT = 4.0  # a graceful WiredTiger close takes about 2 s here


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def find_server_executable() -> str:
    """The ``secantusd-py`` script beside our interpreter, else on PATH."""
    exe = shutil.which("secantusd-py", path=str(Path(sys.executable).parent)) or shutil.which(
        "secantusd-py"
    )
    if exe is None:
        raise ConfigError(
            "CALIPSO_MONGO_URI is unset and the embedded server is not installed: "
            "pip install 'calipso[embedded]' or set CALIPSO_MONGO_URI"
        )
    return exe


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def check_writable_dir(path: Path, setting: str) -> Path:
    """Create ``path`` if needed and prove we can write in it (one clear line if not)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise ConfigError(f"{setting} {path} is not writable: {err.strerror or err}") from None
    return path


class EmbeddedServer:
    """One SecantusDB child process with its storage under ``data_dir/db``."""

    def __init__(self, data_dir: Path, host: str = "127.0.0.1") -> None:
        self.storage = data_dir / "db"
        self.host = host
        self.port = 0
        self.restarts = 0
        self._proc: asyncio.subprocess.Process | None = None
        self._stopping = False
        self._log_path = data_dir / "embedded-db.log"

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/?directConnection=true"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    async def start(self) -> None:
        exe = find_server_executable()
        self.port = self.port or free_port(self.host)
        self.storage.mkdir(parents=True, exist_ok=True)
        args = [exe, "--host", self.host, "--port", str(self.port),
                "--storage-path", str(self.storage), "--log-level", "WARNING"]
        with open(self._log_path, "ab") as out:  # noqa: ASYNC230 - tiny, before serving
            self._proc = await asyncio.create_subprocess_exec(
                *args, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
                preexec_fn=_die_with_parent, start_new_session=True,
            )
        log.info("embedded database starting", extra={"pid": self._proc.pid, "port": self.port})
        await self._wait_ready()

    async def _wait_ready(self) -> None:
        client: AsyncMongoClient = AsyncMongoClient(self.uri, serverSelectionTimeoutMS=250)
        deadline = time.monotonic() + START_TIMEOUT
        try:
            while True:
                if not self.running:
                    raise DatabaseUnavailable(
                        f"embedded database exited at start-up: {self._log_tail()}"
                    )
                with contextlib.suppress(PyMongoError):
                    await client.admin.command("ping")
                    return
                if time.monotonic() > deadline:
                    raise DatabaseUnavailable(
                        f"embedded database did not answer within {START_TIMEOUT:.0f}s"
                    )
                await asyncio.sleep(0.1)
        finally:
            await client.close()

    def _log_tail(self) -> str:
        try:
            lines = self._log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return lines[-1] if lines else "no output"

    async def stop(self) -> None:
        self._stopping = True
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
        except TimeoutError:
            log.warning("embedded database did not stop in time; killing it")
            proc.kill()
            await proc.wait()
        log.info("embedded database stopped")

    async def watch(self) -> None:
        """Supervisor part: restart the server on the same port whenever it dies."""
        while not self._stopping:
            proc = self._proc
            if proc is None:
                return
            code = await proc.wait()
            if self._stopping:
                return
            log.error("embedded database died; restarting", extra={"exit_code": code})
            self.restarts += 1
            await self.start()
