"""Calipso's own queue on this machine's RabbitMQ: a quorum queue, and the classic one an
earlier Calipso declared under the same name taken over without losing what it holds."""

from __future__ import annotations

import logging
import uuid

import aio_pika
import pytest
from aiormq.exceptions import ChannelPreconditionFailed
from event_rig import URI

from calipso.events.queues import declare_own_queue


async def is_quorum(connection: aio_pika.abc.AbstractConnection, name: str,
                    arguments: dict[str, object]) -> bool:
    """Declaring it again as a quorum queue with the same arguments is accepted."""
    channel = await connection.channel()
    try:
        await channel.declare_queue(name, durable=True,
                                    arguments={"x-queue-type": "quorum", **arguments})
    except ChannelPreconditionFailed:
        return False
    await channel.close()
    return True


async def test_a_classic_queue_of_an_earlier_calipso_is_drained_then_replaced(
        caplog: pytest.LogCaptureFixture) -> None:
    name = f"t-upgrade-{uuid.uuid4().hex[:8]}"
    dead = f"{name}.dead"
    old_args = {"x-single-active-consumer": True, "x-dead-letter-exchange": dead,
                "x-dead-letter-routing-key": name}
    own_args = old_args | {"x-dead-letter-strategy": "at-least-once",
                           "x-overflow": "reject-publish"}
    connection = await aio_pika.connect(URI)
    async with connection:
        channel = await connection.channel()
        try:
            # as an earlier Calipso declared them: classic, the queue holding a notification
            await channel.declare_queue(dead, durable=True)
            await channel.declare_queue(name, durable=True, arguments=old_args)
            await channel.default_exchange.publish(aio_pika.Message(b"waiting"), name)
            with caplog.at_level(logging.WARNING, "calipso.events.queues"):
                queue = await declare_own_queue(channel, name)
            assert "consumed as it is" in caplog.text
            message = await queue.get(timeout=5)
            assert message.body == b"waiting"  # nothing lost
            await message.ack()
            assert not await is_quorum(connection, name, own_args)
            # the next start finds it empty: replaced, as the empty dead-letter queue was
            await declare_own_queue(channel, name)
            assert await is_quorum(connection, name, own_args)
            assert await is_quorum(connection, dead, {})
        finally:
            for queue_name in (name, dead):
                await channel.queue_delete(queue_name)
            await channel.exchange_delete(dead)
