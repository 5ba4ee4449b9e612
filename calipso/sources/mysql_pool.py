"""Read-only MySQL access to the cloud's nova / neutron / keystone schemas.

One aiomysql pool per scan, as many connections as ``CALIPSO_MAX_DB_QUERIES``; every
session is read-only; queries are parameterised and time-limited.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import aiomysql
import pymysql

from calipso.env_config import MysqlSection
from calipso.errors import DbError, FetchTimeout
from calipso.settings import Settings

log = logging.getLogger(__name__)


class MysqlPool:
    def __init__(self, section: MysqlSection, settings: Settings) -> None:
        self.section = section
        self._size = settings.max_db_queries
        self._timeout = settings.db_query_timeout
        self._pool: aiomysql.Pool | None = None
        self._neutron: str | None = section.neutron_schema
        self._schema_lock = asyncio.Lock()
        self.queries = 0

    @property
    def nova(self) -> str:
        return self.section.schema_

    @property
    def keystone(self) -> str:
        return self.section.keystone_schema

    async def __aenter__(self) -> MysqlPool:
        s = self.section
        try:
            self._pool = await asyncio.wait_for(aiomysql.create_pool(
                minsize=0, maxsize=self._size, host=s.host, port=s.port, user=s.user,
                password=s.pwd.get_secret_value(), connect_timeout=s.connect_timeout,
                autocommit=True, cursorclass=aiomysql.DictCursor, charset="utf8mb4",
                init_command="SET SESSION TRANSACTION READ ONLY"), s.connect_timeout + 1)
        except (TimeoutError, pymysql.err.MySQLError, OSError) as err:
            raise DbError("connect", f"cannot connect to {s.host}:{s.port}: {err}") from None
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.close()
            await self._pool.wait_closed()

    async def query(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        assert self._pool is not None, "MysqlPool used outside its context"
        try:
            async with asyncio.timeout(self._timeout), self._pool.acquire() as conn, \
                    conn.cursor() as cur:
                self.queries += 1
                await cur.execute(sql, tuple(args))
                rows = await cur.fetchall()
        except TimeoutError:
            raise FetchTimeout("mysql", sql, f"no answer within {self._timeout:g}s") from None
        except (pymysql.err.MySQLError, OSError) as err:
            raise DbError(sql, str(err)) from None
        return list(rows)

    async def neutron(self) -> str:
        """The neutron schema: configured, else the one schema whose name holds 'neutron'."""
        async with self._schema_lock:
            if self._neutron is None:
                rows = await self.query("SHOW DATABASES")
                names = [next(iter(r.values())) for r in rows]
                found = [n for n in names if "neutron" in n]
                if len(found) != 1:
                    raise DbError("SHOW DATABASES",
                                  f"expected one neutron schema, found {found or 'none'}; "
                                  "set neutron_schema in the mysql section")
                self._neutron = found[0]
            return self._neutron
