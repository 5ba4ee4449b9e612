"""The supervisor: runs the service's long-lived parts as named tasks and restarts crashes.

A part is a coroutine function taking the service's ``stopping`` event. Parts that hold
work worth finishing (a running scan) declare ``drains=True``: on shutdown they are given
the grace period to return on their own; the others are cancelled at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

PartRun = Callable[[asyncio.Event], Awaitable[None]]


@dataclass(slots=True)
class PartState:
    name: str
    status: str = "starting"  # starting | running | restarting | stopped
    restarts: int = 0
    last_error: str | None = None
    since: float = field(default_factory=time.time)

    def to_doc(self) -> dict[str, object]:
        return {
            "status": self.status,
            "restarts": self.restarts,
            "last_error": self.last_error,
            "since": self.since,
        }


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    run: PartRun
    drains: bool = False


class Supervisor:
    def __init__(self, max_backoff: float = 30.0, first_backoff: float = 0.5) -> None:
        self._parts: list[Part] = []
        self.states: dict[str, PartState] = {}
        self._max_backoff = max_backoff
        self._first_backoff = first_backoff

    def add(self, part: Part) -> None:
        if part.name in self.states:
            raise ValueError(f"part {part.name!r} registered twice")
        self._parts.append(part)
        self.states[part.name] = PartState(part.name)

    async def _keep_running(self, part: Part, stopping: asyncio.Event) -> None:
        state = self.states[part.name]
        backoff = self._first_backoff
        while not stopping.is_set():
            state.status, state.since = "running", time.time()
            started = time.monotonic()
            try:
                await part.run(stopping)
            except asyncio.CancelledError:
                state.status = "stopped"
                raise
            except Exception as err:
                state.last_error = f"{type(err).__name__}: {err}"
                log.exception("part crashed", extra={"part": part.name})
            else:
                if stopping.is_set():
                    break
                state.last_error = "returned unexpectedly"
                log.error("part exited unexpectedly", extra={"part": part.name})
            if time.monotonic() - started > 60:
                backoff = self._first_backoff  # it ran well for a while: start over
            state.status, state.restarts = "restarting", state.restarts + 1
            log.info("part restarting", extra={"part": part.name, "delay_s": backoff})
            try:
                await asyncio.wait_for(stopping.wait(), backoff)
            except TimeoutError:
                pass
            backoff = min(backoff * 2, self._max_backoff)
        state.status = "stopped"

    async def run(self, stopping: asyncio.Event, grace: float) -> None:
        """Run every part until ``stopping`` is set, then drain for ``grace`` s and cancel."""
        tasks = {
            part: asyncio.create_task(self._keep_running(part, stopping), name=f"part:{part.name}")
            for part in self._parts
        }
        try:
            await stopping.wait()
        finally:
            for part, task in tasks.items():
                if not part.drains:
                    task.cancel()
            pending = [t for t in tasks.values() if not t.done()]
            if pending:
                _, still = await asyncio.wait(pending, timeout=grace)
                for task in still:
                    log.warning("part did not stop in time; cancelling", extra={
                        "task": task.get_name()})
                    task.cancel()
                await asyncio.gather(*tasks.values(), return_exceptions=True)
            for state in self.states.values():
                state.status = "stopped"
