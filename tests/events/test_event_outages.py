"""The database stops while notifications arrive: they wait in the queue, /health (the
manager's status) says what happens meanwhile, and they are applied once it is back."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from event_rig import delete_queues, event_rig, until
from pymongo import AsyncMongoClient

from calipso.embedded_db import EmbeddedServer
from calipso.events.manager import EventManager
from calipso.scanners.metadata_files import Metadata
from calipso.sim import spec_from_flags

pytestmark = pytest.mark.timeout(300)
# seconds the database stays down: the 30 (CALIPSO_TEST_EVENT_DB_DOWN_S to change it)
DOWN_S = float(os.environ.get("CALIPSO_TEST_EVENT_DB_DOWN_S", "30"))


async def test_events_wait_for_the_database(tmp_path: Path, metadata: Metadata) -> None:
    server = EmbeddedServer(tmp_path)
    await server.start()
    client: AsyncMongoClient = AsyncMongoClient(server.uri, tz_aware=True,
                                                serverSelectionTimeoutMS=1000)
    db = client["outage"]
    spec = spec_from_flags(hosts=2, instances=1, networks=1, driver="ovs", seed=81)
    stop = asyncio.Event()
    try:
        async with event_rig(db, spec, metadata, listen=False) as rig:
            name = rig.env.name
            await db.environments_config.insert_one(
                rig.sim.env_config() | {"scanned": True, "listen": True})
            manager = EventManager(rig.services, rig.routing, interval=0.1,
                                   prefix=f"t-out-{rig.tag}", first_backoff=0.2,
                                   max_backoff=0.5)
            task = asyncio.create_task(manager.run(stop))
            try:
                await until(lambda: manager.status().get(name, {}).get(
                    "operational") == "running", seconds=30)
                down_at = time.time()
                await server.stop()
                cloud = rig.sim.cloud
                project = next(p.id for p in cloud.projects.values() if p.name == "demo")
                net = cloud.create_network("while-down", project)
                await until(lambda: manager.status()[name]["operational"] == "error",
                            seconds=30)
                assert "database unreachable" in manager.status()[name]["reason"]
                await asyncio.sleep(DOWN_S)  # the message waits in the queue meanwhile
                await server.start()
                await until(lambda: manager.status()[name]["applied"].get(
                    "network.create.end"), seconds=30)
                state = manager.status()[name]
                assert state["operational"] == "running" and state["restarts"] >= 1
                # what happened meanwhile stays said
                assert "database unreachable" in state["last_error"]
                assert down_at <= state["last_error_at"] <= state["since"]
                assert state["dead_lettered"] == 0
                assert await db.inventory.count_documents(
                    {"environment": name, "id": net.id}) == 1
                doc = await db.environments_config.find_one({"name": name})
                assert doc is not None and doc["operational"] == "running"
            finally:
                stop.set()
                await asyncio.wait_for(task, 15)
                await delete_queues(f"t-out-{rig.tag}.{name}", f"t-dhcp-{rig.tag}")
    finally:
        await client.close()
        await server.stop()
