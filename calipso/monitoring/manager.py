"""The monitoring part of ``calipso serve``: per environment, the Sensu results consumer
and Calipso's own checks on their schedule.

Every ``interval`` seconds it reads ``environments_config``. An environment with
``enable_monitoring: true`` and a Monitoring section of type Sensu (``listen_results``)
gets a ``ResultsConsumer`` on its Sensu RabbitMQ. A scanned environment with
``enable_monitoring: true`` and no Monitoring section, or one with ``own_checks: true``,
gets its own checks every ``CALIPSO_MONITORING_CHECK_INTERVAL`` seconds. A task that fails
is started again after a backoff that doubles up to ``max_backoff``; one whose
environment no longer qualifies, or whose configuration changed, is stopped.
An environment whose Monitoring section provisions (``DB``, ``Files``, ``Deploy``) gets
its Sensu setup again whenever its inventory changed (the newest ``last_scanned`` of its
objects moved: a scan or an event wrote). ``status()`` is the part's entry in
``/health``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from calipso.env_config import EnvironmentConfig, MonitoringSection, parse_environment
from calipso.errors import CalipsoError
from calipso.monitoring.amqp_intake import ResultsConsumer
from calipso.monitoring.intake import ResultIntake
from calipso.monitoring.own_checks import OwnChecks, RoundReport
from calipso.monitoring.provision import SensuSetup
from calipso.settings import Settings
from calipso.sources import SshPools

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Task:
    env: EnvironmentConfig
    task: asyncio.Task[None] | None = None
    rounds: int = 0  # own checks: rounds done
    status: str = "starting"
    reason: str | None = None
    restarts: int = 0
    since: float = field(default_factory=time.time)
    last_round: dict[str, Any] | None = None


class MonitoringManager:
    def __init__(self, db: AsyncDatabase, settings: Settings, ssh_pools: SshPools, *,
                 interval: float = 5.0, first_backoff: float = 1.0,
                 max_backoff: float = 30.0, prefix: str = "calipso.monitoring") -> None:
        self.db = db
        self.settings = settings
        self.interval = interval
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self.prefix = prefix
        self.intake = ResultIntake(db, max_batch=settings.monitoring_max_batch)
        hosts = min(settings.monitoring_check_hosts, max(1, settings.max_ssh_connections // 2))
        self.checks = OwnChecks(db, ssh_pools, hosts_at_once=hosts)
        self.setup = SensuSetup(db, ssh_pools, hosts_at_once=hosts)
        self.tasks: dict[tuple[str, str], _Task] = {}  # (kind, env) -> task

    def status(self) -> dict[str, Any]:
        return {f"{kind}:{env}": {"status": t.status, "reason": t.reason,
                                  "restarts": t.restarts, "since": round(t.since, 3),
                                  "rounds": t.rounds,
                                  **({"last_round": t.last_round} if t.last_round else {})}
                for (kind, env), t in sorted(self.tasks.items())}

    async def run(self, stopping: asyncio.Event) -> None:
        try:
            while not stopping.is_set():
                try:
                    await self.reconcile()
                except PyMongoError as err:
                    log.warning("environments not read", extra={"error": str(err)})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), self.interval)
        finally:
            for key in list(self.tasks):
                await self._stop(key)
            await self.intake.close()

    async def reconcile(self) -> None:
        wanted: dict[tuple[str, str], EnvironmentConfig] = {}
        async for doc in self.db.environments_config.find({"enable_monitoring": True},
                                                          {"_id": 0}):
            try:
                env = parse_environment(doc, f"environment {doc.get('name')}")
            except CalipsoError as err:
                log.warning("environment not monitored", extra={"env": doc.get("name"),
                                                                "error": str(err)})
                continue
            section: MonitoringSection | None = env.section("Monitoring")
            if section is not None and section.listen_results:
                wanted[("sensu-results", env.name)] = env
            if section is not None and section.provision != "None" and env.scanned:
                wanted[("sensu-setup", env.name)] = env
            if env.scanned and env.cli is not None and (section is None or section.own_checks):
                wanted[("own-checks", env.name)] = env
        for key, running in list(self.tasks.items()):
            if key not in wanted or running.env != wanted[key]:
                await self._stop(key)
        for key, env in wanted.items():
            if key not in self.tasks:
                kind, name = key
                work = {"sensu-results": self._consume, "sensu-setup": self._setup_rounds,
                        "own-checks": self._check_rounds}[kind]
                state = _Task(env)
                state.task = asyncio.create_task(self._keep(state, work),
                                                 name=f"monitoring:{kind}:{name}")
                self.tasks[key] = state

    async def _keep(self, state: _Task,
                    work: Callable[[_Task], Coroutine[Any, Any, None]]) -> None:
        backoff = self.first_backoff
        while True:
            try:
                await work(state)
                raise CalipsoError("ended")
            except asyncio.CancelledError:
                raise
            except Exception as err:
                state.status, state.reason = "error", f"{type(err).__name__}: {err}"
                state.since = time.time()
                state.restarts += 1
                log.warning("monitoring task failed", extra={
                    "env": state.env.name, "error": state.reason, "retry_in_s": backoff})
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    async def _consume(self, state: _Task) -> None:
        section = state.env.section("Monitoring")
        consumer = ResultsConsumer(self.intake, state.env.name, section, prefix=self.prefix,
                                   prefetch=self.settings.monitoring_max_batch)
        state.status, state.reason, state.since = "running", None, time.time()
        await consumer.run()

    async def _check_rounds(self, state: _Task) -> None:
        interval = self.settings.monitoring_check_interval
        while True:
            started = time.monotonic()
            report: RoundReport = await self.checks.run_round(state.env)
            state.status, state.reason = "running", None
            state.last_round = report.to_doc()
            state.rounds += 1
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    async def _setup_rounds(self, state: _Task) -> None:
        """Sensu setup again whenever the inventory changed (a scan, an event)."""
        seen: object = None
        while True:
            latest = await self.db.inventory.find_one(
                {"environment": state.env.name}, {"_id": 0, "last_scanned": 1},
                sort=[("last_scanned", -1)])
            marker = (latest or {}).get("last_scanned")
            if marker != seen:
                report = await self.setup.run(state.env)
                seen = marker
                state.status, state.reason = "running", None
                state.last_round = report.to_doc()
                state.rounds += 1
            await asyncio.sleep(self.interval)

    async def _stop(self, key: tuple[str, str]) -> None:
        state = self.tasks.pop(key)
        if state.task is not None:
            state.task.cancel()
            await asyncio.gather(state.task, return_exceptions=True)
