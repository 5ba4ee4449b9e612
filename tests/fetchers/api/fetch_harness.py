"""Run Calipso's API fetchers against a simulated cloud and compare with its truth.

The fetchers run through the real walker (``Walker.fetch`` / ``Walker.save``) with the
fetch types of the shipped ``config/scanners.json``, so parents, dynamic folders and
paths are placed exactly as a scan places them. CLI fetchers are not run here.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from calipso.config_paths import SHIPPED_CONFIG
from calipso.env_config import EnvironmentConfig
from calipso.inventory import InventoryWriter, root_parent
from calipso.scanners.context import ScanContext
from calipso.scanners.metadata import (
    FetchType,
    FolderSpec,
    ScannerTree,
    condition_holds,
    load_scanners,
)
from calipso.scanners.walker import Walker
from calipso.settings import load_settings
from calipso.sim.server import SimCloud
from calipso.sim.spec import TopologySpec
from calipso.sources.opening import open_sources

Doc = dict[str, Any]
PLACEMENT = ("id", "type", "name", "parent_id", "parent_type", "id_path", "name_path")


MYSQL_URI = "mysql://root@127.0.0.1:3306"
# where no SSH channel serves the hosts: every connection is refused at once
DEAD_CLI: Doc = {"name": "CLI", "host": "127.0.0.1", "port": 1, "user": "root",
                 "pwd": "unused", "direct": True}


@contextlib.asynccontextmanager
async def open_sim(spec: TopologySpec, *, mysql: bool = False, ssh: bool = False,
                   **options: Any) -> AsyncIterator[tuple[SimCloud, EnvironmentConfig]]:
    """A served cloud and its environment config (a refused CLI section without SSH)."""
    name = f"f{uuid.uuid4().hex[:10]}"
    async with SimCloud(spec, env_name=name, mysql_uri=MYSQL_URI if mysql else None,
                        ssh=ssh, **options) as sim:
        doc = sim.env_config()
        if not any(s["name"] == "CLI" for s in doc["configuration"]):
            doc["configuration"].append(DEAD_CLI)
        yield sim, EnvironmentConfig.model_validate(doc)


@contextlib.asynccontextmanager
async def scan_context(env: EnvironmentConfig, db: AsyncDatabase, *, ssh: bool = False,
                       **overrides: Any) -> AsyncIterator[ScanContext]:
    """A real scan context over the environment's sources (SSH only when asked)."""
    settings = load_settings(**overrides)
    now = datetime.now(UTC)
    async with open_sources(env, settings, db) as sources:
        yield ScanContext(
            env=env, settings=settings, db=db, inventory=InventoryWriter(db, env.name, now),
            api=sources.api, mysql=sources.mysql, ssh=sources.ssh if ssh else None,
            log=logging.LoggerAdapter(logging.getLogger("tests.fetch"), {"env": env.name}),
            scan_id="test", started_at=now)


@dataclass(slots=True)
class ApiScan:
    """Drives the API part of the shipped scanner tree in a scan's order."""

    ctx: ScanContext
    tree: ScannerTree = field(default_factory=lambda: load_scanners(
        SHIPPED_CONFIG / "scanners.json"))
    walker: Walker = field(init=False)

    def __post_init__(self) -> None:
        self.walker = Walker(self.ctx, self.tree)

    def entry(self, scanner: str, type_: str) -> FetchType:
        return next(e for e in self.tree.scanners[scanner] if e.type == type_)

    async def run(self, scanner: str, type_: str, parent: Doc,
                  parent_id: str | None = None) -> list[Doc]:
        entry = self.entry(scanner, type_)
        docs = await self.walker.fetch(entry, parent, parent_id or parent["id"])
        return await self.walker.save(entry, parent, docs)

    async def all(self) -> None:
        """The shipped tree, depth first, its folders and API fetchers only (no CLI)."""
        await self.walk(self.tree.root, root_parent(self.ctx.env_name))

    async def walk(self, scanner: str, parent: Doc, parent_id: str | None = None) -> None:
        env_doc = self.ctx.env.model_dump(mode="json")
        for entry in self.tree.scanners[scanner]:
            if not condition_holds(entry.conditions, env_doc):
                continue
            if not isinstance(entry.fetcher, FolderSpec) and \
                    not entry.fetcher.__module__.startswith("calipso.fetchers.api."):
                continue
            docs = await self.walker.fetch(entry, parent, parent_id or parent["id"])
            saved = await self.walker.save(entry, parent, docs)
            for doc in saved if entry.children_scanner else []:
                await self.walk(entry.children_scanner, doc,
                                str(doc.get(entry.child_id_field, doc["id"])))
