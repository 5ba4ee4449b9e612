"""Webhooks end to end: a real aiohttp receiver gets each matching change once, signed;
while it is down the deliveries wait in the database and arrive once it is back; the
dispatcher stops cleanly."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from pymongo.asynchronous.database import AsyncDatabase

from calipso.db import ensure_indexes
from calipso.embedded_db import free_port
from calipso.inventory import InventoryWriter, Status, change_origin, set_object_status
from calipso.settings import load_settings
from calipso.webhooks import subscriptions
from calipso.webhooks.dispatcher import WebhookDispatcher
from calipso.webhooks.signing import HEADER, verify
from calipso.webhooks.subscriptions import Subscription

pytestmark = pytest.mark.timeout(120)
SECRET = "a-shared-secret-of-the-receiver"


class Receiver:
    """A webhook receiver on a fixed port that can be stopped and started again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.got: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not verify(SECRET, body, request.headers.get(HEADER, "")):
            self.bad_signatures += 1
            return web.Response(status=401)
        self.got.append(json.loads(body))
        return web.Response(status=204)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def until(check: Any, seconds: float = 30) -> None:
    async with asyncio.timeout(seconds):
        while not await check():  # noqa: ASYNC110 (the database polled as a user would)
            await asyncio.sleep(0.05)


def host(name: str, **fields: object) -> dict:
    return {"id": name, "type": "host", "name": name, "id_path": f"/hooks/{name}", **fields}


async def write(db: AsyncDatabase, docs: list[dict]) -> None:
    with change_origin("api", user="test"):
        writer = InventoryWriter(db, "hooks", datetime.now(UTC))
        await writer.load_existing()
        await writer.add(docs)
        await writer.remove_unseen([])


async def test_a_receiver_gets_each_change_once_and_again_after_it_was_down(
        db: AsyncDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    await ensure_indexes(db)
    monkeypatch.setenv("CALIPSO_WEBHOOK_POLL_INTERVAL", "0.05")
    monkeypatch.setenv("CALIPSO_WEBHOOK_RETRY_BASE", "0.1")
    monkeypatch.setenv("CALIPSO_WEBHOOK_MAX_BACKOFF", "0.3")
    receiver = Receiver(free_port())
    await receiver.start()
    url = f"http://127.0.0.1:{receiver.port}/hook"
    await subscriptions.add(db, Subscription(url=url, secret=SECRET, environment="hooks",
                                             object_types=["host"]))
    # another environment's changes are not this subscriber's
    await subscriptions.add(db, Subscription(url=url, secret=SECRET, environment="other"))
    dispatcher = WebhookDispatcher(db, load_settings())
    stopping = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stopping))
    try:
        await until(lambda: db.webhook_state.find_one({"_id": "webhooks"}))
        await write(db, [host("node-1"), host("node-2")])
        await write(db, [host("node-1", ip_address="10.0.0.1"), host("node-2")])
        await set_object_status(db, "hooks", "node-2", Status.Error, "down", datetime.now(UTC))

        def delivered(n: int) -> Any:
            async def check() -> bool:
                return len(receiver.got) >= n
            return check
        await until(delivered(3))
        await asyncio.sleep(0.3)  # nothing more comes
        first = [(g.get("keys") or g["key"], g["change"]) for g in receiver.got]
        # the hosts one write added are one change
        assert sorted(first, key=repr) == sorted([(["node-1", "node-2"], "added"),
                                                  ("node-1", "changed"), ("node-2", "status")],
                                                 key=repr)
        change = next(g for g in receiver.got if g["change"] == "changed")
        assert change["fields"] == {"ip_address": {"new": "10.0.0.1"}}
        assert change["by"] == {"by": "api", "user": "test"}
        assert change["environment"] == "hooks" and change["delivery"]

        # the receiver goes down: the deliveries wait, retried, and arrive once it is back
        await receiver.stop()
        await write(db, [host("node-1", ip_address="10.0.0.2")])

        async def retried() -> bool:
            return await db.webhook_deliveries.count_documents(
                {"state": "pending", "attempts": {"$gte": 1}}) == 2
        await until(retried)
        await receiver.start()
        await until(delivered(5))
        await asyncio.sleep(0.3)
    finally:
        stopping.set()
        await asyncio.wait_for(task, 10)  # a clean stop
        await receiver.stop()
    later = sorted((g["key"], g["change"]) for g in receiver.got[3:])
    assert later == [("node-1", "changed"), ("node-2", "removed")]
    assert len({g["delivery"] for g in receiver.got}) == len(receiver.got) == 5
    assert receiver.bad_signatures == 0
    assert await db.webhook_deliveries.count_documents({"state": "delivered"}) == 5
