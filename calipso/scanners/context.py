"""What one scan carries: its configuration, its sources, its bounds and its own state.

A ``ScanContext`` is built per scan and gone with it: nothing here outlives the scan, so
no token, connection or output leaks from one scan into the next.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase

from calipso.env_config import EnvironmentConfig
from calipso.inventory import InventoryWriter
from calipso.settings import Settings

Doc = dict[str, Any]


class ApiClient(Protocol):
    """OpenStack REST access (``calipso.fetchers.api.session.ApiSession``)."""

    async def get(self, service: str, path: str, *, region: str | None = None,
                  params: dict[str, Any] | None = None) -> Any: ...

    async def get_all(self, service: str, path: str, key: str, *, region: str | None = None,
                      params: dict[str, Any] | None = None) -> list[Doc]: ...


class SqlClient(Protocol):
    """Read-only MySQL access (``calipso.fetchers.db.access.MysqlPool``)."""

    async def query(self, sql: str, args: Sequence[Any] = ()) -> list[Doc]: ...


class ShellClient(Protocol):
    """Commands on hosts over SSH (``calipso.fetchers.cli.pool.SshPool``)."""

    async def run(self, host: str, command: str) -> str: ...

    async def release(self, host: str) -> None: ...


@dataclass(slots=True)
class FetchFailure:
    """Where a scan could not see: kept objects of ``object_type`` under ``scope`` are stale."""

    object_type: str
    scope: str  # an id_path prefix
    source: str
    target: str
    error: str


@dataclass(slots=True)
class ScanState:
    """The only mutable part of a scan: what it found, where it failed, its progress."""

    objects: dict[str, Doc] = field(default_factory=dict)
    by_type: dict[str, list[Doc]] = field(default_factory=dict)
    failures: list[FetchFailure] = field(default_factory=list)
    failed_hosts: set[str] = field(default_factory=set)
    hosts_total: int = 0
    hosts_done: int = 0
    phase: str = "inventory"

    def remember(self, doc: Doc) -> None:
        if doc["id"] not in self.objects:
            self.by_type.setdefault(doc["type"], []).append(doc)
        else:
            old = self.objects[doc["id"]]
            bucket = self.by_type.setdefault(doc["type"], [])
            for i, known in enumerate(bucket):
                if known is old:
                    bucket[i] = doc
                    break
        self.objects[doc["id"]] = doc

    def counts(self) -> dict[str, int]:
        return {t: len(docs) for t, docs in sorted(self.by_type.items())}


@dataclass(frozen=True, slots=True)
class ScanContext:
    env: EnvironmentConfig
    settings: Settings
    db: AsyncDatabase
    inventory: InventoryWriter
    api: ApiClient | None
    mysql: SqlClient | None
    ssh: ShellClient | None
    log: logging.LoggerAdapter
    scan_id: str
    started_at: datetime
    state: ScanState = field(default_factory=ScanState)

    @property
    def env_name(self) -> str:
        return self.env.name

    async def lookup(self, object_id: str) -> Doc | None:
        """An object found in this scan, else the stored one."""
        doc = self.state.objects.get(object_id)
        if doc is not None:
            return doc
        return await self.db.inventory.find_one(
            {"environment": self.env_name, "id": object_id}, {"_id": 0}
        )

    def of_type(self, object_type: str) -> list[Doc]:
        return self.state.by_type.get(object_type, [])
