"""Sensu classic results from the environment's Sensu RabbitMQ.

A Sensu 1.x client publishes every check result to the direct exchange ``results``
(declared as Sensu declares it: not durable) of its transport vhost. Calipso binds its
own quorum queue ``calipso.monitoring.<env>`` to it (single active consumer, so one
``calipso serve`` among several applies them, in order), with a dead-letter exchange and
queue ``<queue>.dead``. Sensu's own ``results`` queue is never touched.

What the broker delivered together is applied as one batch and then acknowledged. A body
that is no check result is rejected into the dead-letter queue with a ``messages``
record. A database that cannot be reached leaves the messages in the queue (requeued) and
ends the run with ``DatabaseUnavailable``, a closed channel (a broker restart) with
``BrokerGone``; the manager reconnects with backoff.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from pymongo.errors import ConnectionFailure

from calipso.env_config import MonitoringSection
from calipso.errors import DatabaseUnavailable
from calipso.events.queues import CLOSED_ERRORS, Inbox, declare_own_queue
from calipso.monitoring.intake import ResultIntake
from calipso.monitoring.results import BadResult, CheckResult, parse_result
from calipso.sources.amqp import amqp_connect

log = logging.getLogger(__name__)
RESULTS_EXCHANGE = "results"
LAGS_KEPT = 100_000


def queue_name(env: str, prefix: str = "calipso.monitoring") -> str:
    return f"{prefix}.{env}"


def sensu_amqp_url(section: MonitoringSection) -> str:
    vhost = section.rabbitmq_vhost
    vhost = vhost.replace("/", "%2F") if vhost != "/" else ""
    return (f"amqp://{section.rabbitmq_user}:{section.rabbitmq_pass.get_secret_value()}@"
            f"{section.server_ip}:{section.rabbitmq_port}/{vhost}")


@dataclass(slots=True)
class AmqpStats:
    received: int = 0
    dead_lettered: int = 0
    batches: int = 0
    # seconds from each result's execution to its write, the latest ones
    lags: collections.deque[float] = field(
        default_factory=lambda: collections.deque(maxlen=LAGS_KEPT))


class ResultsConsumer:
    def __init__(self, intake: ResultIntake, env: str, section: MonitoringSection, *,
                 prefix: str = "calipso.monitoring", prefetch: int = 500,
                 exchange: str = RESULTS_EXCHANGE, stats: AmqpStats | None = None) -> None:
        self.intake = intake
        self.env = env
        self.section = section
        self.queue = queue_name(env, prefix)
        self.prefetch = prefetch
        self.exchange = exchange
        self.stats = stats or AmqpStats()
        self.consuming = asyncio.Event()

    async def run(self) -> None:
        """Consume until cancelled; a broker or database failure ends it with an error."""
        connection = await amqp_connect(sensu_amqp_url(self.section), within=10)
        async with connection:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self.prefetch)
            queue = await declare_own_queue(channel, self.queue)
            exchange = await channel.declare_exchange(self.exchange,
                                                      aio_pika.ExchangeType.DIRECT)
            await queue.bind(exchange, routing_key="")
            log.info("consuming Sensu results", extra={"env": self.env, "queue": self.queue})
            inbox = Inbox(channel, self.prefetch)
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
        good: list[tuple[AbstractIncomingMessage, CheckResult]] = []
        for message in batch:
            try:
                good.append((message, parse_result(json.loads(message.body))))
            except (ValueError, UnicodeDecodeError) as err:
                reason = str(err) if isinstance(err, BadResult) else "body: not valid JSON"
                await self.intake.reject(self.env, "amqp", reason, message.body)
                await message.reject(requeue=False)
                self.stats.dead_lettered += 1
        if good:
            try:
                await self.intake.applier(self.env).apply([r for _, r in good])
            except (ConnectionFailure, DatabaseUnavailable) as err:
                for message, _ in good:
                    await message.nack(requeue=True)
                raise DatabaseUnavailable(f"database unreachable: {err}") from err
            # in delivery order: one ack covers this batch (rejected ones are settled)
            await good[-1][0].ack(multiple=True)
            now = datetime.now(UTC)
            self.stats.lags.extend((now - r.executed).total_seconds() for _, r in good)
        self.stats.received += len(batch)
        self.stats.batches += 1
