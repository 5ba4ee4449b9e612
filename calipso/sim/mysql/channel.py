"""The MySQL channel: the cloud's nova, neutron and keystone tables in a MariaDB/MySQL server.

`open_mysql_channel(cloud, uri, prefix=...)` creates the schemas `<prefix>nova`,
`<prefix>neutron` and `<prefix>keystone`, fills them from the cloud, creates a read-only
user for Calipso, and keeps the rows current from the cloud's change feed until the
context exits (then drops schemas and user, unless `keep=True`).

The feed is synchronous: the listener turns each change into statements right away (rows
as of that change) and queues them; one writer task runs them in order, a batch per
transaction. `await channel.synced()` returns once everything queued before it is applied.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomysql
import pymysql

from calipso.errors import ConfigError, DbError
from calipso.sim.cloud import Change, Cloud
from calipso.sim.mysql import schema as s
from calipso.sim.mysql.changes import ChangeWriter, Statement
from calipso.sim.mysql.fill import insert_snapshot, snapshot_rows
from calipso.sim.mysql.proxy import open_latency_proxy
from calipso.sim.mysql.rows import RowBuilder

log = logging.getLogger(__name__)
PREFIX_RE = re.compile(r"^[A-Za-z0-9_]{0,40}$")
BATCH = 500  # changes per transaction


@dataclass(frozen=True, slots=True)
class ServerAddress:
    host: str
    port: int
    user: str
    password: str


def parse_mysql_uri(uri: str) -> ServerAddress:
    """`mysql://user[:password]@host[:port]` (scheme `mysql` or `mariadb`)."""
    parts = urlsplit(uri)
    if parts.scheme not in ("mysql", "mariadb") or not parts.hostname:
        raise ConfigError(f"bad MySQL URI {uri!r}: expected mysql://user[:password]@host[:port]")
    return ServerAddress(parts.hostname, parts.port or 3306, unquote(parts.username or "root"),
                         unquote(parts.password or ""))


@dataclass(slots=True)
class MysqlChannel:
    """Where and how Calipso reads the simulated cloud's database.

    `host`/`port` are the latency proxy's when a latency was asked for, else the server's.
    `user`/`password` are the read-only account (SELECT on the three schemas only).
    """

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    schemas: dict[str, str] = field(default_factory=dict)  # nova|neutron|keystone -> name
    latency_ms: float = 0.0
    fill_seconds: float = 0.0
    row_counts: dict[str, int] = field(default_factory=dict)  # "schema.table" -> rows filled
    _pending: collections.deque[tuple[int, list[Statement]]] = field(
        default_factory=collections.deque)
    _queued: int = 0
    _applied: int = 0
    _error: DbError | None = None
    _cond: asyncio.Condition = field(default_factory=asyncio.Condition)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def config(self) -> dict[str, Any]:
        """The `mysql` section of an `environments_config` document for this channel."""
        return {"name": "mysql", "host": self.host, "port": self.port, "user": self.user,
                "pwd": self.password, "schema": self.schemas["nova"],
                "neutron_schema": self.schemas["neutron"],
                "keystone_schema": self.schemas["keystone"]}

    async def synced(self) -> None:
        """Wait until every change the cloud made before this call is in the database."""
        target = self._queued
        async with self._cond:
            await self._cond.wait_for(lambda: self._applied >= target or self._error is not None)
        if self._error is not None:
            raise self._error

    def _enqueue(self, stamp: int, statements: list[Statement]) -> None:
        self._queued = stamp
        self._pending.append((stamp, statements))
        self._wake.set()

    async def _mark_applied(self, stamp: int, error: DbError | None = None) -> None:
        async with self._cond:
            self._applied = stamp
            self._error = error or self._error
            self._cond.notify_all()


def reader_name(prefix: str) -> str:
    """The read-only user: `<prefix>calipso`, hashed when longer than MySQL's 32 chars."""
    name = f"{prefix}calipso"
    return name if len(name) <= 32 else "calipso_" + hashlib.sha1(prefix.encode()).hexdigest()[:16]


async def _connect(server: ServerAddress) -> aiomysql.Connection:
    try:
        return await aiomysql.connect(host=server.host, port=server.port, user=server.user,
                                      password=server.password, autocommit=False,
                                      charset="utf8mb4", connect_timeout=10,
                                      init_command="SET SESSION sql_notes = 0")
    except (pymysql.err.MySQLError, OSError) as err:
        raise ConfigError(f"cannot connect to MySQL at {server.host}:{server.port}: {err}"
                          ) from err


async def _run(conn: aiomysql.Connection, statements: list[Statement]) -> None:
    async with conn.cursor() as cur:
        for sql, args, many in statements:
            if many:
                await cur.executemany(sql, args)
            else:
                await cur.execute(sql, args)


async def _create(conn: aiomysql.Connection, dbs: dict[str, str]) -> None:
    ddl: list[Statement] = []
    for db in dbs.values():
        ddl += [(f"DROP DATABASE IF EXISTS `{db}`", None, False),
                (f"CREATE DATABASE `{db}` DEFAULT CHARACTER SET utf8mb4", None, False)]
    ddl += [(t.ddl(dbs[t.schema]), None, False) for t in s.TABLES]
    await _run(conn, ddl)


async def _create_reader(conn: aiomysql.Connection, user: str, password: str,
                         dbs: dict[str, str]) -> None:
    statements: list[Statement] = [
        (f"DROP USER IF EXISTS '{user}'@'%'", None, False),
        (f"CREATE USER '{user}'@'%' IDENTIFIED BY {conn.escape(password)}", None, False),
    ]
    statements += [(f"GRANT SELECT ON `{db}`.* TO '{user}'@'%'", None, False)
                   for db in dbs.values()]
    await _run(conn, statements)


async def _drop(conn: aiomysql.Connection, user: str, dbs: dict[str, str]) -> None:
    statements: list[Statement] = [(f"DROP USER IF EXISTS '{user}'@'%'", None, False)]
    statements += [(f"DROP DATABASE IF EXISTS `{db}`", None, False) for db in dbs.values()]
    await _run(conn, statements)


async def _write_changes(channel: MysqlChannel, conn: aiomysql.Connection) -> None:
    """The writer task: run queued statements in order, one transaction per batch."""
    while True:
        await channel._wake.wait()
        channel._wake.clear()
        while channel._pending:
            batch = [channel._pending.popleft()
                     for _ in range(min(BATCH, len(channel._pending)))]
            try:
                await _run(conn, [st for _, sts in batch for st in sts])
                await conn.commit()
            except pymysql.err.MySQLError as err:
                log.exception("mysql channel could not apply changes",
                              extra={"version": batch[-1][0]})
                await channel._mark_applied(batch[-1][0], DbError("sim change", str(err)))
                return
            await channel._mark_applied(batch[-1][0])


@contextlib.asynccontextmanager
async def open_mysql_channel(
    cloud: Cloud, uri: str, *, prefix: str, latency_ms: float = 0, keep: bool = False,
) -> AsyncIterator[MysqlChannel]:
    """Serve `cloud` as MySQL rows in the server at `uri` (an account that may create
    schemas and users), under schemas `<prefix>nova|neutron|keystone`."""
    if not PREFIX_RE.match(prefix):
        raise ConfigError(f"bad schema prefix {prefix!r}: letters, digits and _ (40 at most)")
    if latency_ms < 0:
        raise ConfigError("latency_ms must be >= 0")
    server = parse_mysql_uri(uri)
    dbs = {name: f"{prefix}{name}" for name in s.SCHEMAS}
    channel = MysqlChannel(server.host, server.port, reader_name(prefix),
                           secrets.token_urlsafe(18), dbs, latency_ms)
    conn = await _connect(server)
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(_close, conn)
        await _create(conn, dbs)
        if not keep:
            stack.push_async_callback(_drop, conn, channel.user, dbs)
        writer = ChangeWriter(RowBuilder(cloud), dbs)

        def on_change(change: Change) -> None:
            channel._enqueue(change.version, writer.statements(change))

        # subscribe, then snapshot: every change from here on is queued and applied after
        # the fill (see fill.snapshot_rows for why rows built meanwhile stay right)
        stack.callback(cloud.subscribe(on_change))
        started = time.perf_counter()
        channel._queued = channel._applied = cloud.version
        snapshot = await snapshot_rows(writer)
        channel.row_counts = await insert_snapshot(lambda: _connect(server), writer, snapshot)
        channel.fill_seconds = time.perf_counter() - started
        log.info("mysql channel filled", extra={"duration_ms": round(channel.fill_seconds * 1e3),
                                                 "count": sum(channel.row_counts.values()),
                                                 "schema": dbs["nova"]})
        await _create_reader(conn, channel.user, channel.password, dbs)
        task = asyncio.create_task(_write_changes(channel, conn), name=f"sim-mysql:{prefix}")
        stack.push_async_callback(_stop, task, channel, keep)
        if latency_ms > 0:
            proxy = await stack.enter_async_context(
                open_latency_proxy(server.host, server.port, latency_ms))
            channel.host, channel.port = proxy.host, proxy.port
        yield channel


async def _stop(task: asyncio.Task[None], channel: MysqlChannel, drain: bool) -> None:
    if drain and not task.done():
        with contextlib.suppress(TimeoutError, DbError):
            async with asyncio.timeout(30):
                await channel.synced()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _close(conn: aiomysql.Connection) -> None:
    conn.close()
