"""The event manager starts and stops listeners as environments change, reconnects with
backoff, and keeps ``operational`` true in environments_config and in /health."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from event_rig import delete_queues, event_rig, until
from pymongo.asynchronous.database import AsyncDatabase

from calipso.events.manager import EventManager
from calipso.scanners.metadata_files import Metadata
from calipso.sim import spec_from_flags

pytestmark = pytest.mark.timeout(300)


async def test_listeners_follow_the_environments(db: AsyncDatabase, metadata: Metadata) -> None:
    spec = spec_from_flags(hosts=2, instances=1, networks=1, driver="ovs", seed=61)
    async with event_rig(db, spec, metadata, listen=False) as rig:
        env_doc = rig.sim.env_config() | {"scanned": True, "listen": True}
        await db.environments_config.insert_one(env_doc)
        manager = EventManager(rig.services, rig.routing, interval=0.1,
                               prefix=f"t-mgr-{rig.tag}", first_backoff=0.1, max_backoff=0.4)
        stop = asyncio.Event()
        task = asyncio.create_task(manager.run(stop))
        name = rig.env.name

        async def operational() -> str | None:
            doc = await db.environments_config.find_one({"name": name})
            return doc["operational"] if doc else None

        try:
            await until(lambda: manager.status().get(name, {}).get("operational") == "running")
            assert await operational() == "running"
            cloud = rig.sim.cloud
            project = next(p.id for p in cloud.projects.values() if p.name == "demo")
            net = cloud.create_network("managed", project)
            await until(lambda: manager.status()[name]["applied"].get("network.create.end"))
            assert await db.inventory.count_documents(
                {"environment": name, "id": net.id}) == 1
            assert manager.status()[name]["last_lag_s"] is not None

            await db.environments_config.update_one({"name": name}, {"$set": {"listen": False}})
            await until(lambda: name not in manager.status())
            assert await operational() == "stopped"

            # a broker that refuses: error with the reason, retried with backoff
            bad = [s | {"port": 1} if s["name"] == "AMQP" else s
                   for s in env_doc["configuration"]]
            await db.environments_config.update_one(
                {"name": name}, {"$set": {"listen": True, "configuration": bad}})
            await until(lambda: manager.status().get(name, {}).get("restarts", 0) >= 2)
            state = manager.status()[name]
            assert state["operational"] == "error" and "Connect" in state["reason"]
            assert await operational() == "error"
            await db.environments_config.update_one(
                {"name": name}, {"$set": {"configuration": env_doc["configuration"]}})
            await until(lambda: manager.status().get(name, {}).get("operational") == "running")
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
            await delete_queues(f"t-mgr-{rig.tag}.{name}", f"t-dhcp-{rig.tag}")
        assert await operational() == "stopped"


async def test_health_reports_the_event_manager(start_service) -> None:  # type: ignore[no-untyped-def]
    async with start_service() as svc, aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{svc.port}/health") as response:
            body = await response.json()
    assert body["events"] == {}
    assert body["parts"]["event-manager"]["status"] in ("starting", "running")

