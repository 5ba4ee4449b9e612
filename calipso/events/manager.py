"""The event manager: one listener per environment that is scanned and has ``listen``.

Every ``interval`` seconds it reads ``environments_config``: it starts a listener for each
environment with ``listen: true`` and ``scanned: true`` that has none, and stops those
whose environment no longer qualifies (or whose configuration changed; the new one
starts on the next round). A listener that fails (broker away, database unreachable) is
started again after a backoff that doubles up to ``max_backoff`` (from the first again
once it had run). ``operational`` in
``environments_config`` says ``running``, ``stopped`` or ``error``; ``status()`` adds the
reason, the counts per event type and the lag, for ``/health``. With a
``reconcile_interval``, each listened environment also gets a ``Reconciler`` that re-reads
one host at a time, never while an event of the environment is being applied; with an
``agent_poll_interval``, an ``AgentPoller`` that checks the agents and Nova services
(heartbeats send no notification), under the same lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from pymongo.errors import PyMongoError

from calipso.env_config import EnvironmentConfig, parse_environment
from calipso.errors import CalipsoError
from calipso.events.listener import AppliedIds, Listener, ListenerStats
from calipso.events.liveness import AgentPoller
from calipso.events.metadata import EventRouting
from calipso.events.reconcile import Reconciler
from calipso.events.services import EventServices

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ListenerState:
    env: EnvironmentConfig
    task: asyncio.Task[None] | None = None
    status: str = "stopped"  # running | stopped | error
    reason: str | None = None
    restarts: int = 0
    last_error: str | None = None  # kept once running again: what happened meanwhile
    last_error_at: float | None = None
    since: float = field(default_factory=time.time)
    stats: ListenerStats = field(default_factory=ListenerStats)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one writer per environment
    applied_ids: AppliedIds = field(default_factory=AppliedIds)
    reconciler: Reconciler | None = None
    reconciling: asyncio.Task[None] | None = None
    poller: AgentPoller | None = None
    polling: asyncio.Task[None] | None = None

    def to_doc(self) -> dict[str, Any]:
        doc = {"operational": self.status, "reason": self.reason,
               "restarts": self.restarts, "since": round(self.since, 3),
               "last_error": self.last_error, "last_error_at": None
               if self.last_error_at is None else round(self.last_error_at, 3),
               **self.stats.to_doc()}
        if self.reconciler is not None:
            doc["reconciled"] = {"rounds": self.reconciler.rounds,
                                 "corrected": self.reconciler.corrected}
        if self.poller is not None:
            doc["agents_polled"] = {"rounds": self.poller.rounds,
                                    "transitions": self.poller.transitions}
        return doc


class EventManager:
    def __init__(self, services: EventServices, routing: EventRouting, *,
                 interval: float = 5.0, prefix: str = "calipso.events",
                 first_backoff: float = 1.0, max_backoff: float = 30.0,
                 reconcile_interval: float = 0.0, agent_poll_interval: float = 0.0) -> None:
        self.services = services
        self.routing = routing
        self.interval = interval
        self.prefix = prefix
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self.reconcile_interval = reconcile_interval  # 0: no reconciliation
        self.agent_poll_interval = agent_poll_interval  # 0: no agent poll
        self.listeners: dict[str, ListenerState] = {}

    def status(self) -> dict[str, Any]:
        return {name: state.to_doc() for name, state in sorted(self.listeners.items())}

    async def run(self, stopping: asyncio.Event) -> None:
        try:
            while not stopping.is_set():
                try:
                    await self.reconcile()
                except PyMongoError as err:  # running listeners go on; next round retries
                    log.warning("environments not read", extra={"error": str(err)})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), self.interval)
        finally:
            for name in list(self.listeners):
                await self._stop(name)

    async def reconcile(self) -> None:
        wanted: dict[str, EnvironmentConfig] = {}
        async for doc in self.services.db.environments_config.find(
                {"listen": True, "scanned": True}, {"_id": 0}):
            try:
                env = parse_environment(doc, f"environment {doc.get('name')}")
            except CalipsoError as err:
                log.warning("environment not listened to", extra={
                    "env": doc.get("name"), "error": str(err)})
                continue
            wanted[env.name] = env
        for name, state in list(self.listeners.items()):
            if name not in wanted or _config_changed(state.env, wanted[name]):
                await self._stop(name)
        for name, env in wanted.items():
            if name not in self.listeners:
                state = self.listeners[name] = ListenerState(env)
                state.task = asyncio.create_task(self._keep_listening(state),
                                                 name=f"events:{name}")
                if self.reconcile_interval > 0:
                    state.reconciler = Reconciler(self.services, env, state.lock,
                                                  self.reconcile_interval)
                    state.reconciling = asyncio.create_task(
                        self._keep_reconciling(state.reconciler), name=f"reconcile:{name}")
                if self.agent_poll_interval > 0:
                    state.poller = AgentPoller(self.services, env, state.lock,
                                               self.agent_poll_interval)
                    state.polling = asyncio.create_task(
                        self._keep_reconciling(state.poller), name=f"agent-poll:{name}")

    async def _keep_listening(self, state: ListenerState) -> None:
        backoff = self.first_backoff
        while True:
            listener = Listener(self.services, state.env, self.routing, prefix=self.prefix,
                                stats=state.stats, lock=state.lock,
                                applied_ids=state.applied_ids)
            watcher = asyncio.create_task(self._mark_running(state, listener))
            try:
                await listener.run()
                raise CalipsoError("the broker closed the consumer")
            except asyncio.CancelledError:
                raise
            except Exception as err:
                if state.status == "running":  # it ran: a new failure, not the same one
                    backoff = self.first_backoff
                reason = f"{type(err).__name__}: {err}"
                log.warning("listener failed", extra={"env": state.env.name, "error": reason,
                                                      "retry_in_s": backoff})
                await self._set(state, "error", reason)
                state.last_error, state.last_error_at = reason, state.since
                state.restarts += 1
            finally:
                # awaited, so a late ``running`` never lands after what follows
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    async def _keep_reconciling(self, periodic: Reconciler | AgentPoller) -> None:
        while True:
            try:
                await periodic.run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("periodic check failed", extra={
                    "env": periodic.env.name, "check": type(periodic).__name__})
                await asyncio.sleep(self.max_backoff)

    async def _mark_running(self, state: ListenerState, listener: Listener) -> None:
        await listener.consuming.wait()
        await self._set(state, "running", None)

    async def _stop(self, name: str) -> None:
        # listed until ``stopped`` is written: whoever sees it gone sees the database say so
        state = self.listeners[name]
        tasks = [t for t in (state.task, state.reconciling, state.polling) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._set(state, "stopped", None)
        del self.listeners[name]

    async def _set(self, state: ListenerState, status: str, reason: str | None) -> None:
        state.status, state.reason, state.since = status, reason, time.time()
        try:
            await self.services.db.environments_config.update_one(
                {"name": state.env.name}, {"$set": {"operational": status}})
        except Exception as err:  # the database may be what failed; /health still says
            log.warning("operational not saved", extra={"env": state.env.name,
                                                        "error": str(err)})


def _config_changed(running: EnvironmentConfig, now: EnvironmentConfig) -> bool:
    """A change of what the listener uses (its AMQP section, the environment's drivers)."""
    keep = ("operational", "last_scanned", "scanned", "monitoring_setup_done")
    return running.model_copy(update=dict.fromkeys(keep)) != now.model_copy(
        update=dict.fromkeys(keep))
