"""Calipso's own consumer queues on a broker (events, and monitoring results), and what
they deliver."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from aiormq.exceptions import AMQPError, ChannelInvalidStateError, ChannelPreconditionFailed

from calipso.errors import CalipsoError

log = logging.getLogger(__name__)
# what an acknowledgement raises once the broker has closed the channel
CLOSED_ERRORS = (AMQPError, ChannelInvalidStateError)


class BrokerGone(CalipsoError):
    """The broker closed the consumer's channel (a restart, a connection lost)."""


class Inbox:
    """A queue's deliveries, taken batch by batch, until the channel closes: then
    ``batch`` raises ``BrokerGone`` with the broker's reason (without it the wait would
    never end; what was not acknowledged is delivered again)."""

    def __init__(self, channel: AbstractChannel, limit: int | None = None) -> None:
        self.limit = limit  # messages in a batch at most
        self._inbox: asyncio.Queue[AbstractIncomingMessage | None] = asyncio.Queue()
        self._gone: list[BaseException] = []
        channel.close_callbacks.add(self._closed)

    def _closed(self, _channel: object, exc: BaseException | None = None) -> None:
        self._gone.append(exc or ConnectionError("closed"))
        self._inbox.put_nowait(None)

    async def consume(self, queue: AbstractQueue) -> None:
        await queue.consume(self._inbox.put)

    async def batch(self) -> list[AbstractIncomingMessage]:
        """The next delivery with those delivered meanwhile."""
        batch = [await self._inbox.get()]
        while not self._inbox.empty() and (self.limit is None or len(batch) < self.limit):
            batch.append(self._inbox.get_nowait())
        if None in batch:
            raise self.gone(None)
        return [m for m in batch if m is not None]

    def gone(self, err: BaseException | None) -> BrokerGone:
        """The error to end with, ``err`` (an acknowledgement that failed) or not."""
        return BrokerGone(f"the broker closed the channel: "
                          f"{self._gone[0] if self._gone else repr(err)}")


async def declare_own_queue(channel: AbstractChannel, name: str) -> AbstractQueue:
    """The quorum queue ``name``, single-active-consumer (one ordered consumer among the
    Calipso processes sharing the broker; another takes over when it goes), whose rejected
    messages go to the quorum queue ``<name>.dead`` through the exchange of that name.

    Quorum, because a quorum queue keeps every message it accepted through a broker
    restart, whatever delivery mode the publisher chose (oslo.messaging's notifications
    are transient, and a classic queue drops those when the broker stops). A classic queue
    of the same name left by an earlier Calipso is replaced when it is empty; one that
    still holds messages is consumed as it is (a warning says so) and replaced at a later
    start, once empty.
    """
    dead = f"{name}.dead"
    dlx = await channel.declare_exchange(dead, aio_pika.ExchangeType.DIRECT, durable=True)
    dlq = await _declare_quorum(channel, dead, {})
    await dlq.bind(dlx, routing_key=name)
    return await _declare_quorum(channel, name, {
        "x-single-active-consumer": True, "x-dead-letter-exchange": dead,
        "x-dead-letter-routing-key": name,
        # a rejected message stays until the dead-letter queue has it (RabbitMQ 3.10+;
        # the strategy needs reject-publish, which without a length limit changes nothing)
        "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"})


async def _declare_quorum(channel: AbstractChannel, name: str,
                          arguments: dict[str, Any]) -> AbstractQueue:
    arguments = {"x-queue-type": "quorum", **arguments}
    try:
        return await channel.declare_queue(name, durable=True, arguments=arguments)
    except ChannelPreconditionFailed as err:  # declared before with other arguments
        await channel.reopen()  # the broker closed the channel
        old = await channel.declare_queue(name, passive=True)
        held = old.declaration_result.message_count or 0
        if held:
            log.warning("queue declared by an earlier Calipso, holding messages: consumed "
                        "as it is, replaced by a quorum queue once empty at a later start",
                        extra={"queue": name, "messages": held, "error": str(err)})
            return old
        await old.delete(if_unused=False, if_empty=True)
        log.info("queue declared by an earlier Calipso replaced by a quorum queue",
                 extra={"queue": name})
        return await channel.declare_queue(name, durable=True, arguments=arguments)
