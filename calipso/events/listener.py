"""One environment's consumer: Calipso's own queue, bound to the cloud's exchanges.

Topology, per environment (``<q>`` = ``calipso.events.<env>``): a quorum queue ``<q>``
(it keeps its messages through a broker restart) with single-active-consumer (one ordered
consumer among all ``calipso serve`` processes) and a dead-letter exchange ``<q>.dead``
feeding the quorum queue ``<q>.dead``. The queue
is bound to each exchange of ``config/events.json`` for the legacy and versioned topics.
The cloud's own ``notifications.*`` queues are never touched.

Messages are handled in delivery order and acknowledged after the database write. The
messages already delivered (up to the prefetch of 256) are taken together: consecutive
events whose handlers name what to re-read (``RefreshEvent``) are applied as one, since
each re-reads the cloud as it is now (a boot's ten notifications cost one re-read when
they arrive together); an event that fails that way is tried again on its own.

A body that is no notification, a payload that fails validation, a handler that raises,
or an event still not applicable after its retries is rejected into the dead-letter
queue with a ``messages`` record saying why (the records of a batch's dead letters are
written together, before they are rejected). An event type without a handler is
acknowledged and counted. A database that cannot be reached leaves the message in the
queue (negatively acknowledged, requeued) and ends the run with ``DatabaseUnavailable``;
the manager reconnects with backoff; so does a broker that closes the channel (a restart).

Each event applied is remembered by its ``message_id`` (the envelope's, the same in every
copy) in ``events_applied`` before it is acknowledged: a copy delivered again (the broker
restarted between the write and the acknowledgement, or the publisher retried a publish
whose confirmation it lost) is acknowledged and counted as a duplicate, not applied.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from pymongo.errors import BulkWriteError, ConnectionFailure

from calipso.env_config import EnvironmentConfig
from calipso.errors import DatabaseUnavailable
from calipso.events.direct import Known, PortChange, apply_ports
from calipso.events.envelope import BadMessage, Notification, parse_body
from calipso.events.handlers.base import RefreshEvent
from calipso.events.metadata import EventRouting
from calipso.events.queues import CLOSED_ERRORS, Inbox, declare_own_queue
from calipso.events.refresh import Targets, apply
from calipso.events.result import EventHandler, EventResult
from calipso.events.services import EventServices
from calipso.metrics import DEAD_LETTERS, EVENT_LAG, EVENTS
from calipso.sources.amqp import amqp_connect

log = logging.getLogger(__name__)
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0)  # an event whose object is not known yet
BODY_KEPT = 4000  # characters of a dead-lettered body kept in its record
LAGS_KEPT = 1000  # lags kept per event type
# messages delivered and not yet acknowledged: those that wait are taken together, so a
# listener behind (a burst of boots) catches up in a few re-reads, not one per boot
PREFETCH = 256
DUPLICATE_KEY = 11000
APPLIED_IDS_KEPT = 100_000  # ids of applied events held in memory


def queue_name(env: str, prefix: str = "calipso.events") -> str:
    return f"{prefix}.{env}"


def amqp_url(env: EnvironmentConfig) -> str:
    section = env.amqp
    vhost = section.vhost.replace("/", "%2F") if section.vhost != "/" else ""
    return (f"amqp://{section.user}:{section.pwd.get_secret_value()}@"
            f"{section.host}:{section.port}/{vhost}")


@dataclass(slots=True)
class _Pending:
    """A delivered notification on its way; ``targets`` when it can be applied together
    with its neighbours."""

    message: AbstractIncomingMessage
    notification: Notification
    handler: EventHandler
    received: datetime
    targets: Targets | None = None
    direct: PortChange | None = None

    @property
    def kind(self) -> str | None:
        """How it can be applied together with its neighbours of the same kind."""
        return "direct" if self.direct is not None else (
            "refresh" if self.targets is not None else None)


@dataclass(slots=True)
class ListenerStats:
    """What one listener did; read by the manager for ``/health``."""

    received: int = 0  # messages done with (applied, counted or dead-lettered)
    applied: collections.Counter[str] = field(default_factory=collections.Counter)
    unknown: collections.Counter[str] = field(default_factory=collections.Counter)
    dead_lettered: int = 0
    duplicates: int = 0  # copies of events applied already, acknowledged and skipped
    retried: int = 0
    coalesced: int = 0  # events applied together with a later one
    # what applied events changed and the milliseconds they spent, summed by key
    work: collections.Counter[str] = field(default_factory=collections.Counter)
    last_lag_s: float | None = None
    max_lag_s: float = 0.0
    last_event_at: datetime | None = None
    # the latest lags per event type, for percentiles
    lags: dict[str, collections.deque[float]] = field(default_factory=dict)

    def lag_percentile(self, q: float, event_type: str | None = None) -> float | None:
        kept = ([*self.lags.get(event_type, ())] if event_type is not None
                else [lag for lags in self.lags.values() for lag in lags])
        if not kept:
            return None
        kept.sort()
        return kept[min(len(kept) - 1, int(q * len(kept)))]

    def to_doc(self) -> dict[str, Any]:
        return {"received": self.received, "applied": dict(self.applied),
                "unknown": dict(self.unknown),
                "dead_lettered": self.dead_lettered, "duplicates": self.duplicates,
                "retried": self.retried,
                "coalesced": self.coalesced,
                "last_lag_s": None if self.last_lag_s is None else round(self.last_lag_s, 3),
                "max_lag_s": round(self.max_lag_s, 3),
                **{f"lag_p{int(q * 100)}_s": None if (v := self.lag_percentile(q)) is None
                   else round(v, 3) for q in (0.5, 0.95)},
                "last_event_at": self.last_event_at.isoformat() if self.last_event_at
                else None}


class AppliedIds:
    """The ids of the events applied lately (the last ``size``), in front of
    ``events_applied``."""

    def __init__(self, size: int = APPLIED_IDS_KEPT) -> None:
        self.size = size
        self._ids: dict[str, None] = {}  # in the order applied

    def __contains__(self, key: str) -> bool:
        return key in self._ids

    def add(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._ids[key] = None
        for key in list(itertools.islice(self._ids, max(0, len(self._ids) - self.size))):
            del self._ids[key]


def _absorb(prepared: list[_Pending]) -> None:
    """A database-only port event whose network a re-read of the same batch reads anyway
    joins the re-reads (it is one of the ports read), and so does one whose port a later
    re-read of the batch is about (that re-read reads the port as it is now), so a boot's
    unbound port does not split its notifications into several re-reads."""
    reread = {n for p in prepared if p.targets is not None for n in p.targets.networks}
    later: set[str] = set()  # the objects of the re-reads after each event
    for pending in reversed(prepared):
        if pending.direct is not None and pending.direct.network["id"] in reread:
            pending.targets = Targets(networks={pending.direct.network["id"]})
            pending.direct = None
        elif pending.direct is not None and pending.direct.port_id in later:
            pending.targets = Targets()
            pending.direct = None
        if pending.targets is not None and isinstance(pending.handler, RefreshEvent):
            later.add(pending.handler.related(pending.notification) or "")


def _parse(body: bytes) -> Notification | BadMessage:
    """The notification, or why the body is none (parsed once per message)."""
    try:
        return parse_body(body)
    except BadMessage as err:
        return err


class Listener:
    def __init__(self, services: EventServices, env: EnvironmentConfig,
                 routing: EventRouting, *, prefix: str = "calipso.events",
                 prefetch: int = PREFETCH, retry_delays: tuple[float, ...] = RETRY_DELAYS,
                 stats: ListenerStats | None = None,
                 lock: asyncio.Lock | None = None, coalesce: bool = True,
                 applied_ids: AppliedIds | None = None) -> None:
        self.services = services
        self.env = env
        self.routing = routing
        self.queue = queue_name(env.name, prefix)
        self.prefetch = prefetch
        self.retry_delays = retry_delays
        self.stats = stats or ListenerStats()
        self.lock = lock or asyncio.Lock()  # held while an event is applied
        self.coalesce = coalesce  # False: every event applied on its own (tests)
        self.applied_ids = applied_ids or AppliedIds()  # kept by the manager across runs
        self._handlers: dict[type[EventHandler], EventHandler] = {}
        self.consuming = asyncio.Event()
        self._progress = asyncio.Condition()
        # the batch's dead letters with their records, written together at its end
        self._dead: list[tuple[AbstractIncomingMessage, dict[str, Any]]] = []

    def _handler(self, event_type: str) -> EventHandler | None:
        cls = self.routing.handlers.get(event_type)
        if cls is None:
            return None
        handler = self._handlers.get(cls)
        if handler is None:
            handler = self._handlers[cls] = cls(self.services)
        return handler

    async def run(self) -> None:
        """Consume until cancelled; a broker or database failure ends it with an error."""
        connection = await amqp_connect(amqp_url(self.env), within=10)
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(connection)
            if self.services.ssh_pools is not None and self.env.cli is not None:
                # the environment's SSH pool (its jump host's connection) kept between
                # events: it closes when its last user leaves
                await stack.enter_async_context(self.services.ssh_pools.borrow(self.env))
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self.prefetch)
            queue = await declare_own_queue(channel, self.queue)
            for binding in self.routing.bindings:
                # declared as oslo.messaging declares them, so either side may come first
                exchange = await channel.declare_exchange(
                    binding.exchange, aio_pika.ExchangeType.TOPIC, durable=False)
                for key in binding.routing_keys:
                    await queue.bind(exchange, routing_key=key)
            log.info("listening", extra={"env": self.env.name, "queue": self.queue})
            inbox = Inbox(channel)
            await inbox.consume(queue)
            self.consuming.set()
            try:
                while True:
                    await self.process(await inbox.batch())
            except CLOSED_ERRORS as err:  # an acknowledgement after the close
                raise inbox.gone(err) from err
            finally:
                self.consuming.clear()

    async def process(self, batch: list[AbstractIncomingMessage]) -> None:
        """Handle delivered messages in order. Consecutive events whose handlers only name
        what to re-read are applied together, once: each re-reads the cloud as it is now,
        so the last one's work covers those before it."""
        group: list[_Pending] = []
        self._dead = []
        parsed = await self._drop_applied([(message, _parse(message.body))
                                           for message in batch])
        known = await self._known(parsed)
        prepared = []
        for message, notification in parsed:
            pending = await self._prepare(message, notification, datetime.now(UTC), known)
            if pending is not None:
                prepared.append(pending)
        if self.coalesce:
            _absorb(prepared)
        for pending in prepared:
            together = pending.kind is not None and self.coalesce
            if together and (not group or group[0].kind == pending.kind):
                group.append(pending)
                continue
            await self._apply_group(group, known)
            group = []
            if together:
                group.append(pending)
            else:
                known.forget()
                await self._apply_one(pending)
        await self._apply_group(group, known)
        await self._flush_dead_letters()

    async def _drop_applied(self, batch: list[tuple[AbstractIncomingMessage,
                                                    Notification | BadMessage]]
                            ) -> list[tuple[AbstractIncomingMessage, Notification | BadMessage]]:
        """The batch less the copies of routed events applied already or earlier in the
        batch: those are acknowledged and counted as duplicates. The ids applied lately are
        in memory; ``events_applied`` is asked only about messages the broker marks as
        delivered before that memory does not hold (another process applied them, or
        this one before it started again)."""
        ids: dict[int, str] = {}
        for i, (_, notification) in enumerate(batch):
            if isinstance(notification, BadMessage):
                continue
            if notification.message_id and self._handler(notification.event_type):
                ids[i] = f"{self.env.name}/{notification.message_id}"
        ask = sorted({key for i, key in ids.items()
                      if batch[i][0].redelivered and key not in self.applied_ids})
        try:
            stored = {d["_id"] async for d in self.services.db.events_applied.find(
                {"_id": {"$in": ask}}, {"_id": 1})} if ask else set()
        except (ConnectionFailure, DatabaseUnavailable) as err:
            for message, _ in batch:
                await message.nack(requeue=True)
            raise DatabaseUnavailable(f"database unreachable: {err}") from err
        kept, taken = [], set()
        for i, (message, notification) in enumerate(batch):
            key = ids.get(i)
            if key is not None and (key in stored or key in taken or key in self.applied_ids):
                self.stats.duplicates += 1
                await message.ack()
                await self._done()
                continue
            if key is not None:
                taken.add(key)
            kept.append((message, notification))
        return kept

    async def _remember(self, notifications: list[Notification]) -> None:
        """The events applied, by message id, before they are acknowledged."""
        now = datetime.now(UTC)
        docs = [{"_id": f"{self.env.name}/{n.message_id}", "environment": self.env.name,
                 "event_type": n.event_type, "at": now}
                for n in notifications if n.message_id]
        if not docs:
            return
        try:
            await self.services.db.events_applied.insert_many(docs, ordered=False)
        except BulkWriteError as err:  # applied again after a failure before the ack
            if any(e.get("code") != DUPLICATE_KEY for e in err.details["writeErrors"]):
                raise
        self.applied_ids.add(d["_id"] for d in docs)

    async def _known(self, batch: list[tuple[AbstractIncomingMessage,
                                             Notification | BadMessage]]) -> Known:
        """The stored objects the batch's handlers will read, in one query."""
        ids: list[str] = []
        for _, notification in batch:
            if isinstance(notification, BadMessage):
                continue
            handler = self._handler(notification.event_type)
            if isinstance(handler, RefreshEvent):
                ids += handler.mentions(notification)
        known = Known(self.services, self.env)
        try:
            await known.load(ids)
        except (ConnectionFailure, DatabaseUnavailable) as err:
            for message, _ in batch:
                await message.nack(requeue=True)
            raise DatabaseUnavailable(f"database unreachable: {err}") from err
        return known

    async def _prepare(self, message: AbstractIncomingMessage,
                       notification: Notification | BadMessage, received: datetime,
                       known: Known) -> _Pending | None:
        """The message with its handler, and what it asks to re-read when its handler says
        so up front; None when it is done with (dead-lettered, or of no routed type)."""
        if isinstance(notification, BadMessage):
            await self._dead_letter(message, None, str(notification), received)
            return None
        handler = self._handler(notification.event_type)
        if handler is None:
            self.stats.unknown[notification.event_type] += 1
            await message.ack()
            await self._done()
            return None
        pending = _Pending(message, notification, handler, received)
        if isinstance(handler, RefreshEvent):
            try:
                pending.direct = await handler.direct(self.env, notification, known)
                if pending.direct is not None:
                    return pending
                targets = await handler.targets(self.env, notification)
            except (ConnectionFailure, DatabaseUnavailable) as err:
                await message.nack(requeue=True)
                raise DatabaseUnavailable(f"database unreachable: {err}") from err
            except Exception:  # handled (and recorded) one by one
                return pending
            if isinstance(targets, Targets):
                pending.targets = targets
            elif targets.result:  # nothing to do (a boot's update before its end)
                await self._finish(pending, targets)
                return None
        return pending

    async def _apply_group(self, group: list[_Pending], known: Known) -> None:
        if group and group[0].kind != "direct":
            known.forget()  # what a re-read rewrites is read again by a later write
        if not group or (len(group) == 1 and group[0].kind == "refresh"):
            for pending in group:
                await self._apply_one(pending)
            return
        try:
            async with self.lock:
                if group[0].kind == "direct":
                    applied = await apply_ports(
                        self.services, self.env, [p.direct for p in group if p.direct],
                        f"{len(group)} events", known)
                else:
                    applied = await apply(self.services, self.env, Targets.union(
                        [p.targets for p in group if p.targets]), f"{len(group)} events")
                await self._remember([p.notification for p in group])
        except (ConnectionFailure, DatabaseUnavailable) as err:
            for pending in group:
                await pending.message.nack(requeue=True)
            raise DatabaseUnavailable(f"database unreachable: {err}") from err
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("events applied together failed; applying them one by one",
                          extra={"env": self.env.name, "count": len(group)})
            for pending in group:
                await self._apply_one(pending)
            return
        self.stats.work.update(applied.counts())
        self.stats.coalesced += len(group) - 1
        for pending in group:  # all applied, whether or not the acks below get through
            self.stats.applied[pending.notification.event_type] += 1
            EVENTS.labels(self.env.name, pending.notification.event_type).inc()
            self._note_lag(pending.notification)
        for pending in group:
            await pending.message.ack()
            await self._done()

    async def _done(self) -> None:
        async with self._progress:
            self.stats.received += 1
            self._progress.notify_all()

    async def wait_received(self, count: int) -> None:
        """Until ``count`` messages in all are done with (tests, benchmarks)."""
        async with self._progress:
            await self._progress.wait_for(lambda: self.stats.received >= count)

    async def _apply_one(self, pending: _Pending) -> None:
        message, notification, received = pending.message, pending.notification, pending.received
        try:
            result = await self._handle(pending.handler, notification)
        except (ConnectionFailure, DatabaseUnavailable) as err:
            await message.nack(requeue=True)
            raise DatabaseUnavailable(f"database unreachable: {err}") from err
        except BadMessage as err:
            await self._dead_letter(message, notification, str(err), received)
            return
        except asyncio.CancelledError:
            raise
        except Exception as err:
            log.exception("event handler raised", extra={
                "env": self.env.name, "event_type": notification.event_type})
            await self._dead_letter(message, notification,
                                    f"handler raised {type(err).__name__}: {err}", received)
            return
        if not result.result and result.retry:
            await self._dead_letter(message, notification, result.message or
                                    "not applicable after retries", received)
            return
        if not result.result:
            await self._record(notification, None, result, received, "warning")
        await self._finish(pending, result)

    async def _finish(self, pending: _Pending, result: EventResult) -> None:
        try:
            await self._remember([pending.notification])
        except (ConnectionFailure, DatabaseUnavailable) as err:
            await pending.message.nack(requeue=True)
            raise DatabaseUnavailable(f"database unreachable: {err}") from err
        self.stats.applied[pending.notification.event_type] += 1
        EVENTS.labels(self.env.name, pending.notification.event_type).inc()
        self.stats.work.update(result.changed or {})
        self._note_lag(pending.notification)
        await pending.message.ack()
        await self._done()

    async def _handle(self, handler: EventHandler, notification: Notification) -> EventResult:
        for delay in (*self.retry_delays, None):
            async with self.lock:
                result = await handler.handle(self.env, notification)
            if result.result or not result.retry or delay is None:
                return result
            self.stats.retried += 1
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    def _note_lag(self, notification: Notification) -> None:
        now = datetime.now(UTC)
        self.stats.last_event_at = now
        if notification.timestamp is not None:
            lag = (now - notification.timestamp).total_seconds()
            self.stats.last_lag_s = lag
            EVENT_LAG.labels(self.env.name).observe(max(lag, 0.0))
            self.stats.lags.setdefault(notification.event_type, collections.deque(
                maxlen=LAGS_KEPT)).append(lag)
            self.stats.max_lag_s = max(self.stats.max_lag_s, lag)

    async def _dead_letter(self, message: AbstractIncomingMessage,
                           notification: Notification | None, reason: str,
                           received: datetime) -> None:
        log.warning("event dead-lettered", extra={
            "env": self.env.name, "queue": self.queue, "reason": reason,
            "event_type": notification.event_type if notification else None})
        body = message.body.decode("utf-8", "replace")[:BODY_KEPT]
        self._dead.append((message, self._record_doc(
            notification, body, EventResult(False, message=reason), received, "error")))

    async def _flush_dead_letters(self) -> None:
        """The batch's dead letters: their records written together, then rejected (a
        failure leaves them unacknowledged: they come again)."""
        dead, self._dead = self._dead, []
        if not dead:
            return
        try:
            await self.services.db.messages.insert_many([doc for _, doc in dead])
        except (ConnectionFailure, DatabaseUnavailable) as err:
            raise DatabaseUnavailable(f"database unreachable: {err}") from err
        for message, _ in dead:
            self.stats.dead_lettered += 1
            DEAD_LETTERS.labels(self.env.name).inc()
            await message.reject(requeue=False)
            await self._done()

    async def _record(self, notification: Notification | None, body: str | None,
                      result: EventResult, received: datetime, level: str) -> None:
        started = time.perf_counter()
        await self.services.db.messages.insert_one(
            self._record_doc(notification, body, result, received, level))
        log.debug("event recorded", extra={"env": self.env.name, "duration_ms": round(
            (time.perf_counter() - started) * 1000, 1)})

    def _record_doc(self, notification: Notification | None, body: str | None,
                    result: EventResult, received: datetime, level: str) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "environment": self.env.name, "source_system": "OpenStack",
            "origin_type": "event", "level": level,
            "message": result.message or "", "viewed": False,
            "timestamp": (notification.timestamp if notification and notification.timestamp
                          else received),
            "received_timestamp": received, "finished_timestamp": datetime.now(UTC),
            "related_object": result.related_object,
            "display_context": result.display_context,
        }
        if notification is not None:
            doc.update(id=notification.message_id, event_type=notification.event_type,
                       publisher_id=notification.publisher_id)
        if body is not None:
            doc["body"] = body
        return doc
