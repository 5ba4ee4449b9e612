"""Opening an AMQP connection (the events listener, the Sensu results consumer, the
connection tests)."""

from __future__ import annotations

import contextlib

import aio_pika
from aio_pika.abc import AbstractConnection
from aio_pika.connection import make_url
from yarl import URL


async def amqp_connect(url: str | URL, within: float | None) -> AbstractConnection:
    """``aio_pika.connect``, except that a connection which fails to open (refused, bad
    credentials, timed out, cancelled) is closed here: aio-pika would leave it to the
    garbage collector, whose close is never awaited."""
    connection = aio_pika.Connection(make_url(url))
    try:
        await connection.connect(timeout=within)
    except BaseException:
        with contextlib.suppress(Exception):
            await connection.close()
        raise
    return connection
