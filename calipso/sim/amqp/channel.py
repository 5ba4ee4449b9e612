"""The AMQP channel: the cloud's changes published as Nova and Neutron notifications.

`open_amqp_channel(cloud, uri)` declares the topic exchanges (`nova` and `neutron` unless
renamed for isolation, non-durable as oslo.messaging declares them by default) and, for
every API call the cloud makes, publishes the notifications the real services publish, in
their order, on routing keys `notifications.info` (and `versioned_notifications.info`).

The cloud's feed is synchronous and reports record changes, not calls. The listener
renders each change at once (payloads as of that version) and groups changes by
`Change.op_id`; a group is closed when the next call starts or when the loop next runs
(calls never await, so by then the call is over). Closed groups become messages in a
queue that one task publishes in order, with publisher confirms (a window in flight),
over a robust connection: when the broker drops it, publishing resumes after the
reconnect with the unconfirmed messages (at least once, in order), as oslo.messaging
retries a notification it could not send. `await channel.flushed()` returns once
everything the cloud did before the call is confirmed.

A message no queue is bound for (after a broker restart the exchanges, which are not
durable, come back without their bindings until a consumer binds again) is dropped by
the broker, as a real cloud's is. With `retry_unroutable` it is published again until a
queue takes it (tests that count every message through a restart).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import aio_pika
import aiormq

from calipso.errors import ConfigError
from calipso.sim.amqp.messages import Notification, envelope
from calipso.sim.amqp.sequences import Rendered, Renderer, Sequencer
from calipso.sim.cloud import Change, Cloud

log = logging.getLogger(__name__)
WINDOW = 64  # messages in flight (published, confirm pending)
PUBLISH_TIMEOUT = 10.0  # seconds for a publish to be confirmed
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)  # after failed publishes, in turn (the last repeats)


@dataclass(slots=True)
class AmqpChannel:
    """Where the simulated cloud publishes, and the state of its publishing."""

    uri: str = field(repr=False)  # holds the broker password
    exchanges: dict[str, str] = field(default_factory=dict)  # nova | neutron -> name
    legacy: bool = True
    versioned: bool = False
    published: int = 0
    event_types: collections.deque[str] = field(  # the last ones, in publish order
        default_factory=lambda: collections.deque(maxlen=10_000))
    # (number, notification, envelope): the body is built once, so a retry resends the
    # same message (same message_id and timestamp)
    _queue: collections.deque[tuple[int, Notification, bytes]] = field(
        default_factory=collections.deque)
    _group: list[Rendered] = field(default_factory=list)
    _group_op: tuple[int, str] = (0, "")
    _queued: int = 0
    _cond: asyncio.Condition = field(default_factory=asyncio.Condition)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _close_scheduled: bool = False
    _sequencer: Sequencer | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    def config(self) -> dict[str, Any]:
        """The `AMQP` section of an `environments_config` document for this broker."""
        parts = urlsplit(self.uri)
        return {"name": "AMQP", "host": parts.hostname or "127.0.0.1",
                "port": parts.port or (5671 if parts.scheme == "amqps" else 5672),
                "user": unquote(parts.username or "guest"),
                "pwd": unquote(parts.password or "guest"),
                "vhost": unquote(parts.path[1:]) if len(parts.path) > 1 else "/"}

    async def flushed(self) -> None:
        """Wait until the notifications of every change made before this call are
        confirmed by the broker (while the broker is away, this waits: use a timeout)."""
        self._close_group()
        target = self._queued
        async with self._cond:
            await self._cond.wait_for(lambda: self.published >= target)

    # ---- feed side (synchronous) -----------------------------------------------------

    def _on_change(self, change: Change, renderer: Renderer) -> None:
        if self._group and self._group_op[0] != change.op_id:
            self._close_group()
        self._group.append(renderer.render(change))
        self._group_op = (change.op_id, change.op)
        if not self._close_scheduled and self._loop is not None:
            self._close_scheduled = True
            self._loop.call_soon(self._close_group)

    def _close_group(self) -> None:
        self._close_scheduled = False
        group, (_, op) = self._group, self._group_op
        if not group or self._sequencer is None:
            return
        self._group = []
        for note in self._sequencer.notifications(op, group):
            self._queued += 1
            self._queue.append((self._queued, note, envelope(note.message())))
        self._wake.set()

    async def _mark(self, count: int) -> None:
        async with self._cond:
            self.published = count
            self._cond.notify_all()


async def _publish_queued(channel: AmqpChannel,
                          exchanges: dict[str, aio_pika.abc.AbstractExchange]) -> None:
    """The publisher task: in order, up to `WINDOW` messages awaiting their confirms.

    The publishes of a window start in queue order and aiormq writes each message's frames
    under a FIFO lock, so they reach the broker in that order on the one channel. When the
    broker goes away, the unconfirmed rest of the window is retried (with backoff) once
    the robust connection is back, as oslo.messaging retries: at least once, in order.
    """
    failures = 0
    while True:
        await channel._wake.wait()
        channel._wake.clear()
        while channel._queue:
            window = [channel._queue[i] for i in range(min(WINDOW, len(channel._queue)))]
            done, error = await _publish_window(exchanges, [(n, b) for _, n, b in window])
            for _ in range(done):
                channel._queue.popleft()
            channel.event_types.extend(note.event_type for _, note, _ in window[:done])
            if done:
                await channel._mark(window[done - 1][0])
            if error is None:
                if failures:
                    log.info("amqp channel publishes again", extra={"count": failures})
                    failures = 0
                continue
            if not failures:
                log.warning("amqp channel cannot publish; retrying", exc_info=error,
                            extra={"event_type": window[done][1].event_type})
            await asyncio.sleep(RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)])
            failures += 1


async def _publish_window(
    exchanges: dict[str, aio_pika.abc.AbstractExchange], notes: list[tuple[Notification, bytes]],
) -> tuple[int, BaseException | None]:
    """Publish `notes` together; how many from the start were confirmed, the first error."""
    results = await asyncio.gather(
        *(_publish(exchanges[note.service], note, body) for note, body in notes),
        return_exceptions=True)
    for i, result in enumerate(results):
        if isinstance(result, BaseException):
            return i, result
    return len(notes), None


async def _publish(exchange: aio_pika.abc.AbstractExchange, note: Notification,
                   body: bytes) -> None:
    message = aio_pika.Message(body, content_type="application/json",
                               content_encoding="utf-8",
                               delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT)
    await exchange.publish(message, routing_key=note.routing_key, timeout=PUBLISH_TIMEOUT)


@contextlib.asynccontextmanager
async def open_amqp_channel(
    cloud: Cloud, uri: str, *, legacy: bool = True, versioned: bool = False,
    nova_exchange: str = "nova", neutron_exchange: str = "neutron",
    delete_exchanges: bool = False, retry_unroutable: bool = False,
) -> AsyncIterator[AmqpChannel]:
    """Publish `cloud`'s changes to the broker at `uri` (`amqp://user:pwd@host:port/vhost`).

    `legacy`/`versioned` are Nova's `notification_format` (both True: `both`); Neutron
    publishes its unversioned notifications either way. Rename the exchanges to keep
    several simulators (or tests) on one vhost apart; `delete_exchanges` removes them on
    exit (never do that to the real `nova`/`neutron` exchanges others may use).
    `retry_unroutable`: an unroutable message is retried until routed (a real cloud drops
    it; use it only where a consumer is bound, or publishing waits for one).
    """
    if not uri.startswith(("amqp://", "amqps://")):
        raise ConfigError(f"bad AMQP URI {uri!r}: expected amqp://user:pwd@host:port/vhost")
    channel = AmqpChannel(uri, {"nova": nova_exchange, "neutron": neutron_exchange},
                          legacy, versioned)
    channel._sequencer = Sequencer(cloud, legacy=legacy, versioned=versioned)
    channel._loop = asyncio.get_running_loop()
    try:
        connection = await aio_pika.connect_robust(
            uri, timeout=10, reconnect_interval=1,
            client_properties={"connection_name": f"calipso-sim:{nova_exchange}"})
    except (aiormq.exceptions.AMQPError, ConnectionError, OSError, TimeoutError) as err:
        raise ConfigError(f"cannot connect to AMQP at {channel.config()['host']}: {err}"
                          ) from err
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(connection.close)
        amqp = await connection.channel(publisher_confirms=True,
                                        on_return_raises=retry_unroutable)
        exchanges = {
            service: await amqp.declare_exchange(name, aio_pika.ExchangeType.TOPIC,
                                                 durable=False, auto_delete=False)
            for service, name in channel.exchanges.items()}
        if delete_exchanges:
            for exchange in exchanges.values():
                stack.push_async_callback(exchange.delete)
        renderer = Renderer(cloud)
        stack.callback(cloud.subscribe(lambda change: channel._on_change(change, renderer)))
        task = asyncio.create_task(_publish_queued(channel, exchanges),
                                   name=f"sim-amqp:{nova_exchange}")
        stack.push_async_callback(_stop, task, channel)
        yield channel


async def _stop(task: asyncio.Task[None], channel: AmqpChannel) -> None:
    """Publish what the cloud already did (bounded), then stop the publisher."""
    if not task.done():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                await channel.flushed()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
