"""Calipso's own checks of one environment: one round over every host, over the shared
SSH pool.

Each host gets one command line holding its probes (``probes.plan_probes``), each behind
a marker line, so a host costs one SSH command per round (a few on a network node with
thousands of probes: a command line is kept under ``MAX_COMMAND`` characters). At most
``hosts_at_once`` hosts are checked together, and each host's connection is given back to
the pool when its batches are done, so the checks never hold more than that many of the
pool's connections: a scan sharing the pool is never starved. A host that cannot be
reached is an Error on the host itself and Unknown on its probes. All results of a round
go through the same ``ResultApplier`` as Sensu's, as source ``Calipso``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from calipso.env_config import EnvironmentConfig
from calipso.errors import FetchError
from calipso.inventory.statuses import Status
from calipso.monitoring.apply import ApplyReport, ResultApplier
from calipso.monitoring.check_names import object_check_name
from calipso.monitoring.monitored import monitored
from calipso.monitoring.probes import Probe, combine_instance, plan_probes, read_probe
from calipso.monitoring.results import CheckResult
from calipso.sources import SshPools
from calipso.sources.ssh_pool import SshPool

log = logging.getLogger(__name__)
MARK = "@@calipso-check"
APPLY_BATCH = 500
MAX_COMMAND = 16_000  # characters of one command line


@dataclass(slots=True)
class RoundReport:
    hosts: int = 0
    probes: int = 0
    unreachable: list[str] = field(default_factory=list)
    applied: ApplyReport = field(default_factory=ApplyReport)
    seconds: float = 0.0
    ssh_seconds: float = 0.0  # of which asking the hosts (the rest: planning, writing)

    def to_doc(self) -> dict[str, object]:
        return {"hosts": self.hosts, "probes": self.probes,
                "unreachable": len(self.unreachable), "seconds": round(self.seconds, 3),
                "ssh_seconds": round(self.ssh_seconds, 3),
                **self.applied.to_doc()}


def batch_command(probes: list[Probe], sudo: bool) -> str:
    prefix = "sudo " if sudo else ""
    parts = [f"echo {MARK}:{i}:{j}; {prefix}{command} 2>&1"
             for i, probe in enumerate(probes) for j, command in enumerate(probe.commands)]
    return "; ".join([*parts, f"echo {MARK}:end"])


def batches(probes: list[Probe], sudo: bool) -> list[list[Probe]]:
    """The probes in command lines of at most ``MAX_COMMAND`` characters (an SSH exec
    request travels in one packet; a network node may have thousands of probes). A host
    without probes still gets one (empty) batch: it is checked for reachability."""
    out: list[list[Probe]] = [[]]
    size = 0
    for probe in probes:
        length = len(batch_command([probe], sudo))
        if out[-1] and size + length > MAX_COMMAND:
            out.append([])
            size = 0
        out[-1].append(probe)
        size += length
    return out


def split_output(text: str, probes: list[Probe]) -> list[list[str]]:
    """Each probe's outputs, one per command, from the batch's marked output."""
    out: list[list[str]] = [[""] * len(p.commands) for p in probes]
    where: tuple[int, int] | None = None
    lines: list[str] = []
    for line in [*text.splitlines(), f"{MARK}:end"]:
        if line.startswith(MARK + ":"):
            if where is not None:
                out[where[0]][where[1]] = "\n".join(lines)
            fields = line.split(":")
            where = (int(fields[1]), int(fields[2])) if len(fields) == 3 and all(
                f.isdigit() for f in fields[1:]) and int(fields[1]) < len(probes) else None
            lines = []
        elif where is not None:
            lines.append(line)
    return out


class OwnChecks:
    def __init__(self, db: AsyncDatabase, ssh_pools: SshPools, *, hosts_at_once: int) -> None:
        self.db = db
        self.ssh_pools = ssh_pools
        self.hosts_at_once = hosts_at_once

    async def run_round(self, env: EnvironmentConfig) -> RoundReport:
        started = time.perf_counter()
        docs, links = await monitored(self.db, env.name)
        driver = (env.mechanism_drivers[0] if env.mechanism_drivers else "").lower()
        plan = plan_probes(docs, links, driver)
        hosts = sorted({d["id"] for d in docs if d.get("type") == "host"} | set(plan))
        report = RoundReport(hosts=len(hosts), probes=sum(len(p) for p in plan.values()))
        results: list[CheckResult] = []
        instances: dict[str, list[tuple[Status, str]]] = {}
        gate = asyncio.Semaphore(self.hosts_at_once)
        async with self.ssh_pools.borrow(env) as pool:
            async def one(host: str) -> None:
                async with gate:
                    answers = await self._check_host(pool, host, plan.get(host, []))
                if answers is None:
                    report.unreachable.append(host)
                for probe, (status, text) in answers or self._unknown(plan.get(host, [])):
                    if probe.instance is not None:
                        instances.setdefault(probe.check, []).append((status, text))
                    else:
                        results.append(_result(probe.check, status, text))
                results.append(_result(object_check_name("host", host),
                                       Status.Error if answers is None else Status.OK,
                                       "unreachable over SSH" if answers is None
                                       else "reachable over SSH"))

            asked = time.perf_counter()
            async with asyncio.TaskGroup() as group:
                for host in hosts:
                    group.create_task(one(host), name=f"check:{env.name}:{host}")
            report.ssh_seconds = time.perf_counter() - asked
        for check, found in instances.items():
            results.append(_result(check, *combine_instance(found)))
        applier = ResultApplier(self.db, env.name)
        for start in range(0, len(results), APPLY_BATCH):
            part = await applier.apply(results[start:start + APPLY_BATCH])
            for name in ("applied", "changed", "unknown", "bad"):
                setattr(report.applied, name, getattr(report.applied, name) + getattr(part, name))
        report.seconds = time.perf_counter() - started
        log.info("own checks done", extra={"env": env.name, **report.to_doc()})
        return report

    @staticmethod
    def _unknown(probes: list[Probe]) -> list[tuple[Probe, tuple[Status, str]]]:
        return [(p, (Status.Unknown, "host unreachable")) for p in probes]

    async def _check_host(self, pool: SshPool, host: str, probes: list[Probe]
                          ) -> list[tuple[Probe, tuple[Status, str]]] | None:
        """Each probe's reading; None when the host cannot be reached."""
        sudo = pool.section.use_sudo
        parts = batches(probes, sudo)
        failed: list[FetchError] = []
        try:  # a host's batches run side by side, as many as the pool allows per host
            async with asyncio.TaskGroup() as group:
                asked = [group.create_task(pool.run(host, batch_command(part, sudo)))
                         for part in parts]
        except* FetchError as errors:
            failed += [e for e in errors.exceptions if isinstance(e, FetchError)]
        finally:
            await pool.release(host)
        if failed:
            log.debug("host not checked", extra={"host": host, "error": str(failed[0])})
            return None
        return [(p, read_probe(p, o)) for part, task in zip(parts, asked, strict=True)
                for p, o in zip(part, split_output(task.result(), part), strict=True)]


def _result(check: str, status: Status, text: str) -> CheckResult:
    return CheckResult(check, status.value, text, datetime.now(UTC), "Calipso")
