"""Totals of concurrent identical pages come from one count query."""

from __future__ import annotations

import asyncio

import pytest
from pymongo import AsyncMongoClient, monitoring

from calipso.api.query import CountCoalescer, PagedQuery, read_page

pytestmark = pytest.mark.timeout(60)


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_concurrent_pages_share_one_count(mongo_uri: str, db_name: str, db) -> None:
    commands = Commands()
    client: AsyncMongoClient = AsyncMongoClient(mongo_uri, event_listeners=[commands])
    try:
        coll = client[db_name].inventory
        await coll.insert_many([{"environment": "e", "id": str(i)} for i in range(30)])
        counts = CountCoalescer()
        commands.names.clear()
        pages = await asyncio.gather(*(
            read_page(coll, {"environment": "e"}, ("id",), PagedQuery(page=p, page_size=5),
                      [("id", 1)], counts) for p in range(1, 7)))
        assert [total for _, total in pages] == [30] * 6
        assert sorted(d["id"] for docs, _ in pages for d in docs) == sorted(
            str(i) for i in range(30))[5:]
        assert commands.names.count("find") == 6
        assert commands.names.count("aggregate") == 1  # count_documents is an aggregate
        # an error reaches every waiter and leaves nothing behind
        with pytest.raises(Exception):  # noqa: B017
            await asyncio.gather(*(counts.count(coll, {"$bad": 1}) for _ in range(3)))
        assert await counts.count(coll, {"environment": "e"}) == 30
    finally:
        await client.close()
