"""Calipso's own consumer queues on a broker (events, and monitoring results)."""

from __future__ import annotations

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractQueue


async def declare_own_queue(channel: AbstractChannel, name: str) -> AbstractQueue:
    """The durable queue ``name``, single-active-consumer (one ordered consumer among the
    Calipso processes sharing the broker; another takes over when it goes), whose rejected
    messages go to the durable queue ``<name>.dead`` through the exchange of that name."""
    dead = f"{name}.dead"
    dlx = await channel.declare_exchange(dead, aio_pika.ExchangeType.DIRECT, durable=True)
    dlq = await channel.declare_queue(dead, durable=True)
    await dlq.bind(dlx, routing_key=name)
    return await channel.declare_queue(name, durable=True, arguments={
        "x-single-active-consumer": True, "x-dead-letter-exchange": dead,
        "x-dead-letter-routing-key": name})
