"""Sensu setup of one environment, by its Monitoring section's ``provision``:

- ``None``: nothing;
- ``DB``: the generated files in ``monitoring_config`` (``environment, host, type, config``;
  a host ``server`` for the server's), written only when changed;
- ``Files``: also under ``<config_folder>/host/<host>/`` (Sensu classic), ``.../sensu-go/
  <host>.json`` (resources for ``sensuctl create``) and ``.../server/``, only changed
  files written;
- ``Deploy``: also, on every host, ``/etc/sensu/conf.d/`` and the check programs in
  ``/etc/sensu/plugins/``, over SFTP on the environment's shared SSH pool, hosts in
  parallel (bounded). A file whose content is already there is not written, and
  ``sensu-client`` is restarted only on hosts where something was written: a second run
  writes nothing.

``SensuSetup.run(env)`` does it and says what it wrote; the manager runs it after each
change of the inventory (a scan, or an event that adds objects).
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from calipso.env_config import EnvironmentConfig, MonitoringSection
from calipso.errors import FetchError
from calipso.inventory.encoding import decode_keys, encode_keys
from calipso.monitoring.monitored import monitored
from calipso.monitoring.sensu_config import (
    Generated,
    Templates,
    as_text,
    generate,
    sensu_go_handler,
)
from calipso.sources import SshPools
from calipso.sources.ssh_pool import SshPool

log = logging.getLogger(__name__)
CHECKS_DIR = Path(__file__).parent / "checks"
CONF_DIR = "/etc/sensu/conf.d"
PLUGINS_DIR = "/etc/sensu/plugins"
RESTART = "systemctl restart sensu-client"
LEVELS = {"None": 0, "DB": 1, "Files": 2, "Deploy": 3}


@dataclass(slots=True)
class SetupReport:
    hosts: int = 0
    checks: int = 0
    db_written: int = 0
    files_written: int = 0
    deployed: int = 0  # files written to hosts
    restarted: list[str] = field(default_factory=list)
    failed_hosts: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def to_doc(self) -> dict[str, Any]:
        return {"hosts": self.hosts, "checks": self.checks, "db_written": self.db_written,
                "files_written": self.files_written, "deployed": self.deployed,
                "restarted": len(self.restarted), "failed_hosts": len(self.failed_hosts)}


def check_programs() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(CHECKS_DIR.glob("check_*.py"))}


class SensuSetup:
    def __init__(self, db: AsyncDatabase, ssh_pools: SshPools, *, hosts_at_once: int) -> None:
        self.db = db
        self.ssh_pools = ssh_pools
        self.hosts_at_once = hosts_at_once

    async def run(self, env: EnvironmentConfig) -> SetupReport:
        section: MonitoringSection | None = env.section("Monitoring")
        report = SetupReport()
        level = LEVELS[section.provision] if section is not None else 0
        if section is None or level == 0:
            return report
        generated = await self.generate(env, section)
        report.hosts = len(generated.hosts)
        report.checks = sum(len(f.get("client.json", {}).get("checks", {}))
                            for f in generated.hosts.values())
        report.problems = generated.problems
        report.db_written = await self._store(env.name, generated)
        if level >= LEVELS["Files"]:
            report.files_written = await asyncio.to_thread(
                _write_files, Path(section.config_folder), env.name, generated)
        if level >= LEVELS["Deploy"]:
            await self._deploy(env, generated, report)
        await self.db.environments_config.update_one(
            {"name": env.name}, {"$set": {"monitoring_setup_done": True}})
        log.info("sensu setup done", extra={"env": env.name, **report.to_doc()})
        return report

    async def generate(self, env: EnvironmentConfig, section: MonitoringSection) -> Generated:
        templates = Templates([d async for d in self.db.monitoring_config_templates.find(
            {}, {"_id": 0})], env)
        docs, links = await monitored(self.db, env.name)
        return generate(env, section, templates, docs, links)

    async def _store(self, env: str, generated: Generated) -> int:
        wanted: dict[tuple[str, str], Any] = {("server", k): v
                                              for k, v in generated.server.items()}
        for host, files in generated.hosts.items():
            wanted |= {(host, name): config for name, config in files.items()}
            wanted[(host, "sensu-go.json")] = generated.sensu_go.get(host, [])
        stored = {(d["host"], d["type"]): decode_keys(d.get("config"))
                  async for d in self.db.monitoring_config.find({"environment": env})}
        ops = [UpdateOne({"environment": env, "host": host, "type": name},
                         {"$set": {"config": encode_keys(config)}}, upsert=True)
               for (host, name), config in wanted.items() if stored.get((host, name)) != config]
        if ops:
            await self.db.monitoring_config.bulk_write(ops, ordered=False)
        gone = [k for k in stored if k not in wanted]
        for host, name in gone:
            await self.db.monitoring_config.delete_one(
                {"environment": env, "host": host, "type": name})
        return len(ops) + len(gone)

    async def _deploy(self, env: EnvironmentConfig, generated: Generated,
                      report: SetupReport) -> None:
        programs = check_programs()
        gate = asyncio.Semaphore(self.hosts_at_once)
        async with self.ssh_pools.borrow(env) as pool:
            async def one(host: str, files: dict[str, Any]) -> None:
                wanted = {f"{CONF_DIR}/{name}": (as_text(cfg).encode(), 0o640)
                          for name, cfg in files.items()}
                wanted |= {f"{PLUGINS_DIR}/{name}": (body, 0o755)
                           for name, body in programs.items()}
                async with gate:
                    try:
                        written = await _sync_host(pool, host, wanted)
                        if written:
                            await pool.run(host, RESTART)
                            report.restarted.append(host)
                        report.deployed += written
                    except FetchError as err:
                        report.failed_hosts[host] = str(err)
                        log.warning("sensu deployment failed", extra={
                            "env": env.name, "host": host, "error": str(err)})
                    finally:
                        await pool.release(host)

            async with asyncio.TaskGroup() as group:
                for host, files in sorted(generated.hosts.items()):
                    group.create_task(one(host, files), name=f"deploy:{env.name}:{host}")


async def _sync_host(pool: SshPool, host: str, wanted: dict[str, tuple[bytes, int]]) -> int:
    """Write each file whose content differs on the host; how many were written."""
    written = 0
    async with pool.sftp(host) as sftp:
        for directory in sorted({os.path.dirname(p) for p in wanted}):
            await sftp.makedirs(directory, exist_ok=True)
        for path, (body, mode) in sorted(wanted.items()):
            try:
                async with sftp.open(path, "rb") as f:
                    if await f.read() == body:
                        continue
            except (OSError, asyncssh.SFTPError):
                pass  # not there yet
            async with sftp.open(path, "wb") as f:
                await f.write(body)
            await sftp.chmod(path, mode)
            written += 1
    return written


def _write_files(root: Path, env: str, generated: Generated) -> int:
    wanted: dict[Path, str] = {root / "server" / n: as_text(c)
                               for n, c in generated.server.items()}
    for host, files in generated.hosts.items():
        wanted |= {root / "host" / host / n: as_text(c) for n, c in files.items()}
        wanted[root / "sensu-go" / f"{host}.json"] = as_text(
            [sensu_go_handler(env), *generated.sensu_go.get(host, [])])
    written = 0
    for path, text in wanted.items():
        try:
            if path.read_text() == text:
                continue
        except OSError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o640)
        written += 1
    return written
