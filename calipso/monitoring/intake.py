"""Where results come in: one ``ResultIntake`` per service, one batcher per environment.

Results submitted while a batch is being written wait and go together in the next one
(up to ``max_batch``), so many small HTTP posts cost a few large writes. Every submitter
gets the outcome of its own results. Bad input is recorded here too: a ``messages``
record with the body (cut), so nothing is lost.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from calipso.monitoring.apply import ApplyReport, ResultApplier
from calipso.monitoring.results import CheckResult

log = logging.getLogger(__name__)
BODY_KEPT = 4000  # characters of a rejected body kept in its record
TOKENS_TTL = 5.0  # seconds an environment's results token is trusted without a read


@dataclass(slots=True)
class _Waiting:
    results: list[CheckResult]
    done: asyncio.Future[list[str]]


class _Batcher:
    def __init__(self, applier: ResultApplier, max_batch: int) -> None:
        self.applier = applier
        self.max_batch = max_batch
        self.waiting: list[_Waiting] = []
        self.task: asyncio.Task[None] | None = None

    async def submit(self, results: list[CheckResult]) -> list[str]:
        item = _Waiting(results, asyncio.get_running_loop().create_future())
        self.waiting.append(item)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._drain(),
                                            name=f"monitoring-intake:{self.applier.env}")
        return await item.done

    async def _drain(self) -> None:
        while self.waiting:
            taken, size = [], 0
            while self.waiting and (not taken or size + len(self.waiting[0].results)
                                    <= self.max_batch):
                item = self.waiting.pop(0)
                taken.append(item)
                size += len(item.results)
            try:
                report = await self.applier.apply([r for t in taken for r in t.results])
            except Exception as err:  # each submitter gets the error; the next batch goes on
                for item in taken:
                    if not item.done.done():
                        item.done.set_exception(err)
                continue
            start = 0
            for item in taken:
                end = start + len(item.results)
                if not item.done.done():
                    item.done.set_result(report.outcomes[start:end])
                start = end


class ResultIntake:
    def __init__(self, db: AsyncDatabase, *, max_batch: int = 500) -> None:
        self.db = db
        self.max_batch = max_batch
        self._batchers: dict[str, _Batcher] = {}
        self._tokens: dict[str, tuple[str | None, float]] = {}
        self.received = 0
        self.rejected = 0

    def applier(self, env: str) -> ResultApplier:
        return self._batcher(env).applier

    def _batcher(self, env: str) -> _Batcher:
        batcher = self._batchers.get(env)
        if batcher is None:
            batcher = self._batchers[env] = _Batcher(ResultApplier(self.db, env),
                                                     self.max_batch)
        return batcher

    async def submit(self, env: str, results: list[CheckResult]) -> ApplyReport:
        """Apply ``results`` (with others waiting); the report of these results alone."""
        outcomes = await self._batcher(env).submit(results)
        self.received += len(results)
        return ApplyReport(applied=sum(o in ("changed", "same") for o in outcomes),
                           changed=outcomes.count("changed"),
                           unknown=outcomes.count("unknown"), bad=outcomes.count("bad"),
                           outcomes=outcomes)

    async def token_matches(self, env: str, given: str | None) -> bool:
        """Whether ``given`` is the environment's results token (kept a few seconds)."""
        known = self._tokens.get(env)
        if known is None or time.monotonic() - known[1] > TOKENS_TTL:
            doc = await self.db.environments_config.find_one(
                {"name": env}, {"configuration": 1})
            token = None
            for section in (doc or {}).get("configuration") or []:
                if isinstance(section, dict) and section.get("name") == "Monitoring":
                    value = section.get("results_token")
                    token = value if isinstance(value, str) and value else None
            known = self._tokens[env] = (token, time.monotonic())
        token = known[0]
        return bool(token and given and hmac.compare_digest(token.encode(), given.encode()))

    async def reject(self, env: str | None, source: str, reason: str, body: bytes) -> None:
        """Record input that is no check result: a message with the reason and the body."""
        self.rejected += 1
        log.warning("monitoring result rejected", extra={"env": env, "source": source,
                                                         "reason": reason})
        now = datetime.now(UTC)
        await self.db.messages.insert_one({
            "environment": env, "source_system": "Sensu", "origin_type": source,
            "level": "error", "message": f"check result rejected: {reason}",
            "body": body.decode("utf-8", "replace")[:BODY_KEPT], "timestamp": now,
            "received_timestamp": now, "viewed": False,
            "related_object": None, "display_context": None})

    async def close(self) -> None:
        tasks = [b.task for b in self._batchers.values() if b.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
