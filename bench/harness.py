"""What the benchmark scripts share: the database they measure against, and the time a
part took (wall and this process's CPU).

- ``database_uri(work)``: this machine's MongoDB when ``CALIPSO_MONGO_URI`` is set, else
  an embedded SecantusDB server (a process of its own, its files under ``work``),
  stopped at the end.
- ``fresh_database(client, name)``: that database dropped, indexed and seeded.
- ``Timed``: wall seconds and CPU seconds of this process since it was made. "per core
  of ours" divides a count by the CPU seconds: the database server runs in its own
  process, so it is what one core of Calipso sustains when the database keeps up.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from calipso.db import ensure_indexes
from calipso.embedded_db import EmbeddedServer
from calipso.seed import load_seed


@contextlib.asynccontextmanager
async def database_uri(work: Path) -> AsyncIterator[str]:
    """This machine's MongoDB (``CALIPSO_MONGO_URI``), else an embedded server's."""
    uri = os.environ.get("CALIPSO_MONGO_URI")
    if uri:
        yield uri
        return
    server = EmbeddedServer(work / "db")
    await server.start()
    try:
        yield server.uri
    finally:
        await server.stop()


async def fresh_database(client: AsyncMongoClient, name: str) -> AsyncDatabase:
    await client.drop_database(name)
    db = client[name]
    await ensure_indexes(db)
    await load_seed(db)
    return db


@dataclass(slots=True)
class Timed:
    wall_at: float = field(default_factory=time.perf_counter)
    cpu_at: float = field(default_factory=time.process_time)

    @property
    def wall(self) -> float:
        return time.perf_counter() - self.wall_at

    @property
    def cpu(self) -> float:
        return time.process_time() - self.cpu_at

    def rates(self, count: int, what: str = "") -> str:
        """``count`` per second of wall time and per CPU second of this process."""
        wall, cpu = self.wall, self.cpu
        return (f"{count / wall:,.0f}{what}/s, {count / cpu:,.0f}{what}/s per core of ours "
                f"({cpu:.2f} CPU s in {wall:.2f} s)")
