"""Fixtures of the events tests: the shipped scan metadata, a RabbitMQ node of their own."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from own_broker import OwnBroker, own_broker

from calipso.scanners.metadata_files import Metadata, load_metadata


@pytest.fixture(scope="module")
async def metadata() -> Metadata:
    return await load_metadata(None)


@pytest.fixture(scope="module")
async def own_rabbitmq(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[OwnBroker]:
    """A RabbitMQ node of the module's own (the machine's is shared: never stopped);
    skipped, saying why, where none can start."""
    async with contextlib.AsyncExitStack() as stack:
        try:
            broker = await stack.enter_async_context(
                own_broker(tmp_path_factory.mktemp("rabbitmq")))
        except (FileNotFoundError, RuntimeError) as err:
            pytest.skip(f"no RabbitMQ node of the test's own: {err}")
        yield broker
