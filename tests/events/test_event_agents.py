"""Agents and Nova services up and down, through the simulator's APIs: an admin's change
arrives as a notification; a heartbeat that stops arrives as nothing and the agent poll
finds it. After each, the stored objects equal the simulator's truth and a fresh scan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from event_rig import (
    Rig,
    delete_queues,
    event_rig,
    scan,
    snapshot,
    snapshot_differences,
    truth_differences,
)
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from calipso.db import ensure_indexes
from calipso.events.liveness import AgentPoller
from calipso.events.manager import EventManager
from calipso.inventory import decode_keys
from calipso.scanners.metadata_files import Metadata
from calipso.seed import load_seed
from calipso.sim import spec_from_flags
from calipso.sim.model import Agent

pytestmark = pytest.mark.timeout(300)
NOVA_253 = {"OpenStack-API-Version": "compute 2.53"}


class Admin:
    """The cloud's admin, calling its HTTP APIs as an operator would."""

    def __init__(self, rig: Rig, http: aiohttp.ClientSession) -> None:
        assert rig.sim.api is not None
        self.urls, self.http, self.token = rig.sim.api.urls, http, ""

    async def login(self) -> Admin:
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "password": "admin-secret", "domain": {"name": "Default"}}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
        async with self.http.post(self.urls["keystone"] + "/v3/auth/tokens",
                                  json=body) as resp:
            assert resp.status == 201, await resp.text()
            self.token = resp.headers["X-Subject-Token"]
        return self

    async def call(self, method: str, service: str, path: str, body: Any = None,
                   headers: dict[str, str] | None = None) -> Any:
        async with self.http.request(method, self.urls[service] + path, json=body, headers={
                "X-Auth-Token": self.token, **(headers or {})}) as resp:
            assert resp.status < 300, (method, path, resp.status, await resp.text())
            return await resp.json() if resp.status != 204 else None


@contextlib.asynccontextmanager
async def admin_of(rig: Rig) -> AsyncIterator[Admin]:
    async with aiohttp.ClientSession() as http:
        yield await Admin(rig, http).login()


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 20) -> None:
    async with asyncio.timeout(seconds):
        while not await check():  # noqa: ASYNC110 (a stored state, polled as a user would)
            await asyncio.sleep(0.1)


async def stored(rig: Rig, object_id: str) -> dict[str, Any]:
    doc = await rig.db.inventory.find_one({"environment": rig.env.name, "id": object_id})
    assert doc is not None, object_id
    return decode_keys(doc)


async def equal_to_truth_and_a_scan(rig: Rig, mongo_client: AsyncMongoClient,
                                    metadata: Metadata, ids: list[str]) -> None:
    """Truth, fresh scan field by field, and the fingerprints a scan computes for ``ids``
    (a stale one would let a later scan skip a real change)."""
    assert await truth_differences(rig) == []
    after = await snapshot(rig.db, rig.env.name)
    digests = {i: (await stored(rig, i))["digest"] for i in ids}
    fresh = mongo_client[f"fresh_{rig.tag}"]
    try:
        await ensure_indexes(fresh)
        await load_seed(fresh)
        await scan(fresh, rig.env, metadata)
        assert snapshot_differences(after, await snapshot(fresh, rig.env.name)) == []
        assert digests == {d["id"]: d["digest"] async for d in fresh.inventory.find(
            {"environment": rig.env.name, "id": {"$in": ids}})}
    finally:
        await mongo_client.drop_database(fresh.name)


def l2_agent(rig: Rig) -> Agent:
    cloud = rig.sim.cloud
    host = cloud.compute_hosts()[0].name
    return next(a for a in cloud.agents_on_host(host)
                if a.binary in ("neutron-openvswitch-agent", "neutron-linuxbridge-agent"))


async def messages(rig: Rig, origin_type: str) -> list[dict[str, Any]]:
    return await rig.db.messages.find(
        {"environment": rig.env.name, "origin_type": origin_type}).sort("_id").to_list(None)


@pytest.mark.parametrize("driver", ["ovs", "lxb"])
async def test_an_agent_set_down_by_an_admin_is_stored_as_a_scan_stores_it(
        db: AsyncDatabase, mongo_client: AsyncMongoClient, metadata: Metadata,
        driver: str) -> None:
    spec = spec_from_flags(hosts=3, instances=2, networks=1, driver=driver, seed=81)
    async with event_rig(db, spec, metadata) as rig, admin_of(rig) as admin:
        agent = l2_agent(rig)
        record = f"{agent.binary}-{agent.id}"
        await admin.call("PUT", "neutron", f"/v2.0/agents/{agent.id}", {
            "agent": {"admin_state_up": False, "description": "maintenance"}})
        await rig.settle()

        assert rig.listener.stats.applied["agent.update.end"] == 1
        assert rig.listener.stats.dead_lettered == 0
        for object_id in (record, agent.id):  # the network agent and its vEdge
            doc = await stored(rig, object_id)
            assert (doc["admin_state_up"], doc["description"]) == (False, "maintenance")
        [said] = await messages(rig, "event")
        assert said["related_object"] == record and said["level"] == "warning"
        assert "administratively down" in said["message"]
        await equal_to_truth_and_a_scan(rig, mongo_client, metadata, [record, agent.id])

        await admin.call("PUT", "neutron", f"/v2.0/agents/{agent.id}", {
            "agent": {"admin_state_up": True}})
        await rig.settle()
        assert (await stored(rig, agent.id))["admin_state_up"] is True
        assert (await messages(rig, "event"))[-1]["level"] == "info"
        await equal_to_truth_and_a_scan(rig, mongo_client, metadata, [record, agent.id])


async def test_a_heartbeat_lost_and_back_is_found_by_the_poll(
        db: AsyncDatabase, mongo_client: AsyncMongoClient, metadata: Metadata) -> None:
    spec = spec_from_flags(hosts=3, instances=2, networks=1, driver="ovs", seed=82)
    async with event_rig(db, spec, metadata) as rig, admin_of(rig) as admin:
        agent, name = l2_agent(rig), rig.env.name
        record = f"{agent.binary}-{agent.id}"
        poller = AgentPoller(rig.services, rig.env, rig.listener.lock, interval=0.5)
        polling = asyncio.create_task(poller.run())
        try:
            assert rig.sim.amqp is not None
            published = rig.sim.amqp.published
            await admin.call("PUT", "keystone", "/sim/breakage", {"dead": [
                [agent.host, agent.binary], [agent.host, "nova-compute"]]})

            async def down() -> bool:  # the agent and its vEdge (one bulk, not atomic)
                return [(await stored(rig, i))["alive"] for i in (record, agent.id)] == [
                    False, False]
            await eventually(down)
            await rig.sim.amqp.flushed()
            assert rig.sim.amqp.published == published  # no notification, as in a real cloud
            async with rig.listener.lock:  # the round that wrote them has ended
                host = await stored(rig, agent.host)
                assert host["services"]["nova-compute"] == {"available": False,
                                                            "active": True}
                zone = await stored(rig, host["parent_id"])
                assert zone["hosts"][agent.host]["nova-compute"]["available"] is False
                said = await messages(rig, "agent_poll")
                assert {(m["related_object"], m["field"], m["level"]) for m in said} == {
                    (record, "alive", "warning"), (agent.host, "available", "warning")}
                assert any(f"{agent.binary} on {agent.host} is down" in m["message"]
                           for m in said)
                await equal_to_truth_and_a_scan(rig, mongo_client, metadata,
                                                [record, agent.id, agent.host])

            await admin.call("PUT", "keystone", "/sim/breakage", {})

            async def up() -> bool:
                return [(await stored(rig, i))["alive"] for i in (record, agent.id)] == [
                    True, True]
            await eventually(up)
            await eventually(lambda: rig.db.messages.count_documents(
                {"environment": name, "origin_type": "agent_poll", "level": "info"}))
            async with rig.listener.lock:
                await equal_to_truth_and_a_scan(rig, mongo_client, metadata,
                                                [record, agent.id, agent.host])
            rounds = poller.rounds

            async def polled_twice() -> bool:
                return poller.rounds > rounds + 1
            await eventually(polled_twice)
            assert await db.messages.count_documents(
                {"environment": name, "origin_type": "agent_poll"}) == 4  # nothing new
        finally:
            polling.cancel()
            await asyncio.gather(polling, return_exceptions=True)


async def service_id(admin: Admin, host: str) -> str:
    listed = await admin.call("GET", "nova", f"/os-services?host={host}&binary=nova-compute",
                              headers=NOVA_253)
    return str(listed["services"][0]["id"])


async def test_nova_compute_forced_down_then_disabled_moves_as_a_scan_moves_it(
        db: AsyncDatabase, mongo_client: AsyncMongoClient, metadata: Metadata) -> None:
    spec = spec_from_flags(hosts=3, instances=2, networks=1, driver="ovs", seed=83)
    async with event_rig(db, spec, metadata, versioned=True) as rig, \
            admin_of(rig) as admin:
        host = rig.sim.cloud.compute_hosts()[0]
        zone = (await stored(rig, host.name))["parent_id"]
        service = await service_id(admin, host.name)
        instances = [i.uuid for i in rig.sim.cloud.instances_on_host(host.name)]
        assert instances

        await admin.call("PUT", "nova", f"/os-services/{service}", {"forced_down": True},
                         headers=NOVA_253)
        await rig.settle()
        assert rig.listener.stats.applied["service.update"] == 1
        doc = await stored(rig, host.name)
        assert doc["services"]["nova-compute"]["available"] is False
        [said] = await messages(rig, "event")
        assert said["related_object"] == host.name and "is down" in said["message"]
        await equal_to_truth_and_a_scan(rig, mongo_client, metadata, [host.name, zone])

        # Nova lists a disabled service in no zone: the host is filed under `internal`
        # (its Neutron agent still lists it), its subtree with it
        await admin.call("PUT", "nova", f"/os-services/{service}", {
            "status": "disabled", "disabled_reason": "maintenance"}, headers=NOVA_253)
        await rig.settle()
        doc = await stored(rig, host.name)
        assert (doc["parent_id"], doc["services"]) == ("internal", {})
        said = (await messages(rig, "event"))[-1]
        assert "nova-compute on" in said["message"] and "no longer listed" in said["message"]
        for uuid in instances:
            assert (await stored(rig, uuid))["id_path"].startswith(doc["id_path"] + "/")
        await equal_to_truth_and_a_scan(rig, mongo_client, metadata, [host.name])

        await admin.call("PUT", "nova", f"/os-services/{service}", {
            "status": "enabled", "forced_down": False}, headers=NOVA_253)
        await rig.settle()
        doc = await stored(rig, host.name)
        assert doc["parent_id"] == zone
        assert doc["services"]["nova-compute"] == {"available": True, "active": True}
        assert rig.listener.stats.dead_lettered == 0
        await equal_to_truth_and_a_scan(rig, mongo_client, metadata, [host.name, zone])


async def test_a_deleted_agent_leaves_its_host_as_a_scan_leaves_it(
        db: AsyncDatabase, mongo_client: AsyncMongoClient, metadata: Metadata) -> None:
    spec = spec_from_flags(hosts=3, instances=2, networks=1, driver="ovs", seed=84)
    async with event_rig(db, spec, metadata) as rig, admin_of(rig) as admin:
        cloud = rig.sim.cloud
        dhcp = next(a for a in cloud.agents.values() if a.binary == "neutron-dhcp-agent")
        await admin.call("DELETE", "neutron", f"/v2.0/agents/{dhcp.id}")
        await rig.settle()
        assert rig.listener.stats.applied["agent.delete.end"] == 1
        assert await db.inventory.count_documents(
            {"environment": rig.env.name, "id": f"{dhcp.binary}-{dhcp.id}"}) == 0
        await equal_to_truth_and_a_scan(rig, mongo_client, metadata, [dhcp.host])


async def test_the_event_manager_polls_the_agents_of_a_listened_environment(
        db: AsyncDatabase, metadata: Metadata) -> None:
    spec = spec_from_flags(hosts=2, instances=1, networks=1, driver="ovs", seed=85)
    async with event_rig(db, spec, metadata, listen=False) as rig:
        await db.environments_config.insert_one(
            rig.sim.env_config() | {"scanned": True, "listen": True})
        manager = EventManager(rig.services, rig.routing, interval=0.1,
                               prefix=f"t-mgr-{rig.tag}", agent_poll_interval=0.3)
        stop = asyncio.Event()
        task = asyncio.create_task(manager.run(stop))
        name, agent = rig.env.name, l2_agent(rig)
        try:
            async def polled() -> bool:
                return manager.status().get(name, {}).get(
                    "agents_polled", {}).get("rounds", 0) > 0
            await eventually(polled)
            rig.sim.ssh.kill_process(agent.host, agent.binary)  # type: ignore[union-attr]

            async def seen() -> bool:
                return manager.status()[name]["agents_polled"]["transitions"] == 1
            await eventually(seen)
            assert (await stored(rig, f"{agent.binary}-{agent.id}"))["alive"] is False
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
            await delete_queues(f"t-mgr-{rig.tag}.{name}", f"t-dhcp-{rig.tag}")
