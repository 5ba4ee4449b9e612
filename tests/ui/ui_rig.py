"""Shared by the UI tests: waiting for the demo's scan, a logged-in HTTP client, and
reading the live stream."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
from pymongo.asynchronous.database import AsyncDatabase

PASSWORD = "ui-Test-pw-42"
DEMO = "demo"


async def wait_for_scan(db: AsyncDatabase, env: str = DEMO, within: float = 120) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        scan = await db.scans.find_one({"environment": env}, sort=[("submit_timestamp", -1)])
        if scan and scan["status"] not in ("pending", "running"):
            assert scan["status"] == "completed", scan
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"the scan of {env} did not end in {within} s")


async def token(http: aiohttp.ClientSession, url: str) -> str:
    async with http.post(f"{url}/auth/tokens", json={"auth": {
            "methods": ["credentials"],
            "credentials": {"username": "admin", "password": PASSWORD}}}) as answer:
        assert answer.status == 201, await answer.text()
        return (await answer.json())["token"]


async def get_json(http: aiohttp.ClientSession, url: str, path: str, tok: str,
                   **params: Any) -> Any:
    async with http.get(f"{url}{path}", params=params,
                        headers={"X-Auth-Token": tok}) as answer:
        assert answer.status == 200, await answer.text()
        return await answer.json()


class LiveStream:
    """The /live stream of one page, read event by event."""

    def __init__(self, answer: aiohttp.ClientResponse) -> None:
        self.answer = answer

    async def next_event(self, within: float = 30) -> tuple[str, dict[str, Any]]:
        kind, data = "message", ""
        async with asyncio.timeout(within):
            while True:
                line = (await self.answer.content.readline()).decode().rstrip("\n")
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    data += line[6:]
                elif line == "" and data:
                    return kind, json.loads(data)

    async def until(self, wanted: Any, within: float = 30) -> dict[str, Any]:
        async with asyncio.timeout(within):
            while True:
                _, change = await self.next_event(within)
                if wanted(change):
                    return change
