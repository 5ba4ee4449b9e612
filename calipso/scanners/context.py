"""What one scan carries: its configuration, its sources, its bounds and its own state.

``ScanContext`` satisfies ``calipso.sources.FetchContext``, the only view fetchers have.

A ``ScanContext`` is built per scan and gone with it: nothing here outlives the scan, so
no token, connection or output leaks from one scan into the next.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from calipso.env_config import EnvironmentConfig
from calipso.inventory import InventoryWriter
from calipso.settings import Settings
from calipso.sources import ApiClient, FetchFailure, ShellClient, SqlClient

Doc = dict[str, Any]


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

    async def stored(self, collection: str, query: Doc) -> list[Doc]:
        return await self.db[collection].find(query, {"_id": 0}).to_list(None)

    async def patch(self, object_id: str, fields: Doc) -> None:
        known = self.state.objects.get(object_id)
        if known is not None:
            known.update(fields)
        await self.inventory.patch(object_id, fields)

    def report_failure(self, failure: FetchFailure, host: str | None = None) -> None:
        self.state.failures.append(failure)
        if host is not None:
            self.state.failed_hosts.add(host)
