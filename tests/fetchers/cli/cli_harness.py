"""Run Calipso's CLI fetchers against a simulated cloud and compare with its truth.

The real walker runs the host part of the shipped scanner tree (``ScanHost`` and below)
over a real ``ScanContext`` (``open_sources`` on the simulator's environment: its APIs and
SSH hosts). What the API fetchers would have found before (regions, zones, hosts,
networks, ports, projects) is put into the scan state from the truth, and API fetchers
met under a host (instances, network agents) answer with the truth's objects: only the
CLI fetchers do I/O towards the hosts here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from truth_compare import differences as compare

from calipso.config_paths import SHIPPED_CONFIG
from calipso.env_config import EnvironmentConfig
from calipso.inventory import InventoryWriter
from calipso.scanners.context import ScanContext
from calipso.scanners.metadata import FetchType, FolderSpec, load_scanners
from calipso.scanners.walker import Walker
from calipso.settings import load_settings
from calipso.sim.server import SimCloud
from calipso.sim.spec import TopologySpec
from calipso.sim.ssh.channel import open_ssh_channel
from calipso.sources.opening import open_sources

Doc = dict[str, Any]
PLACEMENT = ("id", "type", "name", "parent_id", "parent_type", "id_path", "name_path")
# What the host part of the tree makes (the rest of the truth is "found before").
HOST_PART = frozenset({
    "vservices_folder", "vservice_dhcps_folder", "vservice_routers_folder", "vservice",
    "vnics_folder", "vnic", "instances_folder", "instance", "pnics_folder", "host_pnic",
    "vconnectors_folder", "vconnector", "vedges_folder", "vedge", "otep",
    "network_agents_folder", "network_agent",
})
CLI_TYPES = ("vservice_dhcps_folder", "vservice_routers_folder", "vservice", "vnic",
             "host_pnic", "vconnector", "vedge", "otep")


SSH_USER, SSH_PASSWORD = "calipso", "sim-ssh-secret"
MYSQL_URI = "mysql://root@127.0.0.1:3306"


@contextlib.asynccontextmanager
async def sim_with_ssh(spec: TopologySpec, *, mysql: bool = False, env_name: str = "cli",
                       **ssh: Any) -> AsyncIterator[tuple[SimCloud, Any]]:
    """A simulated cloud serving its APIs (and MySQL when asked), and its SSH channel
    (``ssh``: channel options)."""
    async with SimCloud(spec, env_name=env_name, ssh=False,
                        mysql_uri=MYSQL_URI if mysql else None) as sim, open_ssh_channel(
            sim.cloud, user=SSH_USER, password=SSH_PASSWORD, **ssh) as channel:
        yield sim, channel


def environment(sim: SimCloud, channel: Any) -> EnvironmentConfig:
    doc = sim.env_config()
    doc["configuration"].append({
        "name": "CLI", "host": channel.master_address, "port": channel.port,
        "user": SSH_USER, "pwd": SSH_PASSWORD})
    return EnvironmentConfig.model_validate(doc)


class CommandLog:
    """The scan's SSH pool, noting every (host, command) it is asked to run."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.runs: list[tuple[str, str]] = []

    async def run(self, host: str, command: str) -> str:
        self.runs.append((host, command))
        return str(await self.pool.run(host, command))

    async def release(self, host: str) -> None:
        await self.pool.release(host)


@contextlib.asynccontextmanager
async def cli_context(env: EnvironmentConfig, db: AsyncDatabase,
                      log: bool = False) -> AsyncIterator[ScanContext]:
    settings = load_settings()
    now = datetime.now(UTC)
    async with open_sources(env, settings, db) as sources:
        yield ScanContext(
            env=env, settings=settings, db=db, inventory=InventoryWriter(db, env.name, now),
            api=sources.api, mysql=sources.mysql,
            ssh=CommandLog(sources.ssh) if log else sources.ssh,
            log=logging.LoggerAdapter(logging.getLogger("tests.cli"), {"env": env.name}),
            scan_id="test-cli", started_at=now)


class TruthWalker(Walker):
    """The real walker, with the API fetchers answered from the truth."""

    def __init__(self, ctx: ScanContext, truth: dict[str, list[Doc]]) -> None:
        super().__init__(ctx, load_scanners(SHIPPED_CONFIG / "scanners.json"))
        self.truth = truth

    async def fetch(self, fetch_type: FetchType, parent: Doc, parent_id: str) -> list[Doc]:
        spec = fetch_type.fetcher
        if isinstance(spec, FolderSpec) or spec.__name__.startswith("Cli"):
            return await super().fetch(fetch_type, parent, parent_id)
        return [{k: v for k, v in d.items() if k not in PLACEMENT or k in ("id", "name")}
                for d in self.truth["objects"]
                if d["type"] == fetch_type.type and d["parent_id"] == parent["id"]]


async def scan_hosts(ctx: ScanContext, truth: dict[str, list[Doc]],
                     hosts: list[str] | None = None) -> TruthWalker:
    """Seed the state with what is found before hosts, then walk ``ScanHost`` per host."""
    for doc in truth["objects"]:
        if doc["type"] not in HOST_PART:
            ctx.state.remember(dict(doc))
    walker = TruthWalker(ctx, truth)
    async with asyncio.TaskGroup() as group:  # hosts side by side, as a scan walks them
        for host in ctx.of_type("host"):
            if hosts is None or host["id"] in hosts:
                group.create_task(walker.walk("ScanHost", host))
    await ctx.inventory.finish()
    return walker


def differences(truth: list[Doc], found: list[Doc], types: tuple[str, ...] = CLI_TYPES,
                ignore: tuple[str, ...] = ()) -> list[str]:
    """The truth comparison, by default over the types the CLI fetchers produce."""
    return compare(truth, found, types, ignore)
