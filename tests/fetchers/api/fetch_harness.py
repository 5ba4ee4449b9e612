"""Run Calipso's API fetchers against a simulated cloud and compare with its truth.

The fetchers run through the real walker (``Walker.fetch`` / ``Walker.save``) with the
fetch types of the shipped ``config/scanners.json``, so parents, dynamic folders and
paths are placed exactly as a scan places them. CLI fetchers are not run here.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from calipso.env_config import EnvironmentConfig
from calipso.inventory import InventoryWriter
from calipso.metadata import SHIPPED_CONFIG
from calipso.scanners.context import ScanContext
from calipso.scanners.metadata import FetchType, ScannerTree, load_scanners
from calipso.scanners.sources import open_sources
from calipso.scanners.walker import Walker, root_parent
from calipso.settings import load_settings
from calipso.sim.api import ApiChannel

Doc = dict[str, Any]
DRIVER_LABELS = {"ovs": "OVS", "lxb": "LXB", "vpp": "VPP"}
PLACEMENT = ("id", "type", "name", "parent_id", "parent_type", "id_path", "name_path")


def env_config(name: str, api: ApiChannel, driver: str, type_driver: str, *,
               mysql: Doc | None = None, cli: Doc | None = None,
               keystone_version: str = "auto") -> EnvironmentConfig:
    sections: list[Doc] = [
        {"name": "OpenStack", "host": "127.0.0.1", "user": "admin", "pwd": "admin-secret",
         "auth_url": api.keystone_url, "keystone_version": keystone_version, "timeout": 20},
        cli or {"name": "CLI", "host": "127.0.0.1", "user": "root", "pwd": "unused"},
    ]
    if mysql is not None:
        sections.append(mysql)
    return EnvironmentConfig.model_validate({
        "name": name, "distribution": "Devstack", "distribution_version": "2026.1",
        "mechanism_drivers": [DRIVER_LABELS[driver]], "type_drivers": type_driver,
        "configuration": sections})


@contextlib.asynccontextmanager
async def scan_context(env: EnvironmentConfig, db: AsyncDatabase, *,
                       ssh: bool = False) -> AsyncIterator[ScanContext]:
    """A real scan context over the environment's sources (SSH only when asked)."""
    import logging

    settings = load_settings()
    now = datetime.now(UTC)
    async with open_sources(env, settings, db) as sources:
        yield ScanContext(
            env=env, settings=settings, db=db, inventory=InventoryWriter(db, env.name, now),
            api=sources.api, mysql=sources.mysql, ssh=sources.ssh if ssh else None,
            log=logging.LoggerAdapter(logging.getLogger("tests.fetch"), {"env": env.name}),
            scan_id="test", started_at=now)


@dataclass(slots=True)
class ApiScan:
    """Drives the API part of the scanner tree in a scan's order."""

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
        """Regions, aggregates, projects, networks, ports, zones, hosts, instances, agents.

        Projects go before networks: networks are filed under their projects.
        """
        root = root_parent(self.ctx.env_name)
        [regions] = await self.run("ScanEnvironment", "regions_folder", root)
        [projects] = await self.run("ScanEnvironment", "projects_folder", root)
        for region in await self.run("ScanRegionsRoot", "region", regions):
            [aggs] = await self.run("ScanRegion", "aggregates_folder", region)
            for agg in await self.run("ScanAggregatesRoot", "aggregate", aggs):
                await self.run("ScanAggregate", "host_ref", agg)
        found_projects = await self.run("ScanProjectsRoot", "project", projects)
        for region in self.ctx.of_type("region"):
            for net in await self.run("ScanRegion", "network", region):
                await self.run("ScanNetwork", "ports_folder", net)
                await self.run("ScanNetwork", "network_services_folder", net)
            await self.run("ScanRegion", "port", region)
        for project in found_projects:
            await self.run("ScanProject", "availability_zone", project, project["name"])
            for host in await self.run("ScanProject", "host", project, project["name"]):
                [instances] = await self.run("ScanHost", "instances_folder", host)
                await self.run("ScanInstancesRoot", "instance", instances)
                [agents] = await self.run("ScanHost", "network_agents_folder", host)
                await self.run("ScanHostNetworkAgentsRoot", "network_agent", agents)


def by_id(docs: list[Doc], type_: str) -> dict[str, Doc]:
    return {d["id"]: d for d in docs if d["type"] == type_}


def matches(want: Any, got: Any) -> bool:
    """``got`` has every key the truth lists, recursively, with equal values."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(
            k in got and matches(v, got[k]) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(
            matches(w, g) for w, g in zip(want, got, strict=True))
    return bool(want == got)


def differences(truth: list[Doc], found: list[Doc], type_: str,
                ignore: tuple[str, ...] = ()) -> list[str]:
    """One line per missing, extra or differing object of ``type_`` (field by field)."""
    want, got = by_id(truth, type_), by_id(found, type_)
    out = [f"{type_} {i}: missing" for i in want.keys() - got.keys()]
    out += [f"{type_} {i}: not in the truth" for i in got.keys() - want.keys()]
    for ident in want.keys() & got.keys():
        for key, value in want[ident].items():
            if key in ignore:
                continue
            if key not in got[ident]:
                out.append(f"{type_} {ident}: no {key}")
            elif not matches(value, got[ident][key]):
                out.append(f"{type_} {ident}: {key} = {got[ident][key]!r}, truth {value!r}")
    return sorted(out)
