"""Who runs the embedded database of a data folder, and where it listens.

WiredTiger lets one process open ``CALIPSO_DATA_DIR/db``. The process that starts the
embedded server holds an exclusive ``flock`` on ``embedded-db.lock`` for as long as the
server runs (the kernel drops it if that process dies, so a lock is never stale) and
publishes the server's address in ``embedded-db.json``; it removes the file on stop. A
second ``calipso`` command on the same folder finds the lock taken and reads the address:
a short command attaches to the database of a running ``calipso serve``; anything else is
refused with one line saying what to do. An address file whose lock is free was left by a
process that died, and is replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path

from calipso.embedded_db import START_TIMEOUT, EmbeddedServer
from calipso.errors import ConfigError, DatabaseUnavailable

log = logging.getLogger(__name__)

LOCK_FILE = "embedded-db.lock"
ADDRESS_FILE = "embedded-db.json"
SERVE = "serve"


@dataclass(frozen=True, slots=True)
class Owner:
    """The process running a data folder's embedded server: its pid, command and address."""

    pid: int
    command: str
    host: str
    port: int

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/?directConnection=true"


def _claim(data_dir: Path) -> int | None:
    """The fd of our exclusive lock on the folder, or None while another process holds it."""
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def read_owner(data_dir: Path) -> Owner | None:
    try:
        return Owner(**json.loads((data_dir / ADDRESS_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None  # absent, or being written


def _publish(data_dir: Path, owner: Owner) -> None:
    stale = read_owner(data_dir)
    if stale is not None:
        log.warning("replacing the address file of a calipso that died",
                    extra={"path": str(data_dir / ADDRESS_FILE), "pid": stale.pid})
    tmp = data_dir / f".{ADDRESS_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(asdict(owner)))
    tmp.replace(data_dir / ADDRESS_FILE)


def _refusal(data_dir: Path, owner: Owner) -> ConfigError:
    if owner.command == SERVE:
        todo = "stop it first, or set another CALIPSO_DATA_DIR"
    else:
        todo = ("wait for it to end, or start `calipso serve` first: commands run beside it "
                "use its database")
    return ConfigError(f"CALIPSO_DATA_DIR {data_dir} is in use by `calipso {owner.command}` "
                       f"(pid {owner.pid}): {todo}")


@contextlib.asynccontextmanager
async def open_embedded(data_dir: Path, command: str
                        ) -> AsyncIterator[tuple[str, EmbeddedServer | None]]:
    """The URI of the folder's embedded database: our own server (started here, stopped on
    exit), or, for a command other than ``serve``, the server of a running ``calipso serve``.
    """
    deadline = time.monotonic() + START_TIMEOUT
    while (fd := _claim(data_dir)) is None:
        owner = read_owner(data_dir)
        if owner is not None:
            if command == SERVE or owner.command != SERVE:
                raise _refusal(data_dir, owner)
            log.info("using the embedded database of the running calipso serve",
                     extra={"pid": owner.pid, "port": owner.port})
            yield owner.uri, None
            return
        if time.monotonic() > deadline:  # claimed, but no address: the owner hangs
            raise DatabaseUnavailable(f"CALIPSO_DATA_DIR {data_dir}: another process holds "
                                      f"{LOCK_FILE} but published no address")
        await asyncio.sleep(0.1)  # the owner is starting its server
    try:
        server = EmbeddedServer(data_dir)
        try:
            await server.start()
            _publish(data_dir, Owner(os.getpid(), command, server.host, server.port))
            try:
                yield server.uri, server
            finally:
                with contextlib.suppress(FileNotFoundError):
                    (data_dir / ADDRESS_FILE).unlink()
        finally:
            await server.stop()
    finally:
        os.close(fd)
