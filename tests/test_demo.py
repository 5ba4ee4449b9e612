"""`calipso serve --demo`: a newcomer sees a discovered cloud at once."""

from __future__ import annotations

import asyncio
import time

import pytest

pytestmark = pytest.mark.timeout(180)


async def test_demo_cloud_is_registered_and_scanned(start_service) -> None:
    async with start_service(demo=True, CALIPSO_SCAN_POLL_INTERVAL="0.2") as svc:
        db = svc.ctx.database.db
        deadline = time.monotonic() + 120
        scan = None
        while time.monotonic() < deadline:
            scan = await db.scans.find_one({"environment": "demo"})
            if scan and scan["status"] not in ("pending", "running"):
                break
            await asyncio.sleep(0.5)
        assert scan is not None and scan["status"] == "completed", scan
        env = await db.environments_config.find_one({"name": "demo"})
        assert env["scanned"] is True
        instances = await db.inventory.count_documents({"environment": "demo",
                                                        "type": "instance"})
        assert instances == 12
        assert await db.links.count_documents({"environment": "demo"}) > 0
        assert await db.cliques.count_documents({"environment": "demo"}) > 0
