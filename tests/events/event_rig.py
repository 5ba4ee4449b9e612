"""A simulated cloud publishing to this machine's RabbitMQ on exchanges of its own, an
environment scanned once, and a listener on it; helpers to compare with a fresh scan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aio_pika
from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase
from truth_compare import differences

from calipso.db import ensure_indexes
from calipso.env_config import EnvironmentConfig
from calipso.events.listener import Listener
from calipso.events.metadata import EventRouting, load_events
from calipso.events.services import EventServices
from calipso.inventory import decode_keys
from calipso.scanners.lifecycle import ScanOptions
from calipso.scanners.metadata_files import Metadata
from calipso.scanners.scan import run_scan
from calipso.seed import load_seed
from calipso.settings import load_settings
from calipso.sim.server import SimCloud
from calipso.sim.spec import TopologySpec

URI = "amqp://guest:guest@127.0.0.1:5672/"
# what differs between two writes of the same object, link or clique
STAMPS = ("_id", "last_scanned", "discovered_at", "created_at", "digest", "patch_digest",
          "source", "target", "links", "clique_type")
log = logging.getLogger("tests.events")


@dataclass
class Rig:
    sim: SimCloud
    env: EnvironmentConfig
    db: AsyncDatabase
    services: EventServices
    routing: EventRouting
    listener: Listener
    tag: str

    async def settle(self, extra: int = 0, within: float = 120) -> None:
        """Every notification published so far (and ``extra`` messages published by the
        test itself) has been consumed and handled, in ``within`` seconds."""
        assert self.sim.amqp is not None
        async with asyncio.timeout(within):
            await self.sim.amqp.flushed()
            await self.listener.wait_received(self.sim.amqp.published + extra)


async def until(check: Callable[[], object], seconds: float = 20) -> None:
    """Wait for ``check()`` to hold, as a user polling a state would."""
    async with asyncio.timeout(seconds):
        while not check():  # noqa: ASYNC110 (the manager's state, polled as a user would)
            await asyncio.sleep(0.05)


async def scan(db: AsyncDatabase, env: EnvironmentConfig, metadata: Metadata) -> None:
    result = await run_scan(db, load_settings(), env, metadata, ScanOptions(), "full")
    assert result.status == "completed", result.errors


@contextlib.asynccontextmanager
async def event_rig(db: AsyncDatabase, spec: TopologySpec, metadata: Metadata,
                    *, versioned: bool = False, legacy: bool = True,
                    env_name: str | None = None, listen: bool = True,
                    coalesce: bool = True, amqp_uri: str = URI,
                    retry_unroutable: bool = False) -> AsyncIterator[Rig]:
    tag = uuid.uuid4().hex[:8]
    names = {"nova": f"t-nova-{tag}", "neutron": f"t-neutron-{tag}"}
    await ensure_indexes(db)
    await load_seed(db)
    async with SimCloud(spec, env_name=env_name or f"ev{tag}", amqp_uri=amqp_uri, amqp_options={
            "nova_exchange": names["nova"], "neutron_exchange": names["neutron"],
            "delete_exchanges": True, "legacy": legacy, "versioned": versioned,
            "retry_unroutable": retry_unroutable}) as sim:
        env = EnvironmentConfig.model_validate(sim.env_config())
        await scan(db, env, metadata)
        services = EventServices(db, load_settings(), metadata)
        routing = load_events(None).with_exchanges(
            names | {"dhcp_agent": f"t-dhcp-{tag}"})
        listener = Listener(services, env, routing, prefix=f"t-events-{tag}",
                            retry_delays=(0.05, 0.1), coalesce=coalesce)
        task = asyncio.create_task(listener.run() if listen else asyncio.sleep(0))
        try:
            if listen:
                await asyncio.wait_for(listener.consuming.wait(), 20)
            yield Rig(sim, env, db, services, routing, listener, tag)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await delete_queues(listener.queue, f"t-dhcp-{tag}", amqp_uri)


async def delete_queues(queue: str, exchange: str, uri: str = URI) -> None:
    connection = await aio_pika.connect(uri)
    async with connection:
        channel = await connection.channel()
        for name in (queue, f"{queue}.dead"):
            await channel.queue_delete(name)
        for name in (f"{queue}.dead", exchange):
            await channel.exchange_delete(name)


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """A document without its stamps and database ids (another database has others)."""
    out = {k: v for k, v in decode_keys(doc).items()
           if k not in STAMPS and not isinstance(v, ObjectId)}
    if "links_detailed" in out:
        out["links_detailed"] = sorted(
            (comparable(link) for link in out["links_detailed"]), key=repr)
    for key in ("nodes",):
        if isinstance(out.get(key), list):
            out[key] = sorted(out[key])
    return out


async def snapshot(db: AsyncDatabase, env: str) -> dict[str, dict[str, Any]]:
    """Inventory, links and cliques, keyed, without stamps."""
    out: dict[str, dict[str, Any]] = {}
    async for d in db.inventory.find({"environment": env}):
        out[f"object {d['id']}"] = comparable(d)
    async for d in db.links.find({"environment": env}):
        out[f"link {d['link_type']} {d['source_id']} {d['target_id']}"] = comparable(d)
    async for d in db.cliques.find({"environment": env}):
        out[f"clique {d['focal_point_id']}"] = comparable(d)
    return out


async def fresh_scan_snapshot(client: Any, rig: Rig, metadata: Metadata) -> dict[str, Any]:
    """What a full scan of the rig's cloud stores in a database of its own, as a snapshot."""
    fresh = client[f"fresh_{rig.tag}"]
    try:
        await ensure_indexes(fresh)
        await load_seed(fresh)
        await scan(fresh, rig.env, metadata)
        return await snapshot(fresh, rig.env.name)
    finally:
        await client.drop_database(fresh.name)


def snapshot_differences(events: dict[str, Any], scanned: dict[str, Any]) -> list[str]:
    out = [f"{k}: only after events" for k in events.keys() - scanned.keys()]
    out += [f"{k}: only after the scan" for k in scanned.keys() - events.keys()]
    for key in events.keys() & scanned.keys():
        a, b = events[key], scanned[key]
        for field in sorted(a.keys() | b.keys()):
            if a.get(field) != b.get(field):
                out.append(f"{key}: {field} = {a.get(field)!r} after events, "
                           f"{b.get(field)!r} after a scan")
    return sorted(out)


async def truth_differences(rig: Rig) -> list[str]:
    """The stored inventory and links against the simulator's truth, less two known gaps
    of the scan itself (the tests compare events with a fresh scan too, strictly):
    the truth files a vNICs folder under every vService, a scan only under one that has
    vNICs (a router left without ports); and the truth gives every Linux bridge host of a
    VXLAN cloud an OTEP, a scan only one that has a VXLAN device (a host left without
    networks)."""
    truth = rig.sim.truth()
    found = [decode_keys(d) async for d in rig.db.inventory.find(
        {"environment": rig.env.name}, {"_id": 0})]
    found_ids = {d["id"] for d in found}
    parents = {d.get("parent_id") for d in truth["objects"]}
    gaps = {d["id"] for d in truth["objects"] if d["id"] not in found_ids and (
        (d["type"] == "vnics_folder" and d["parent_type"] == "vservice"
         and d["id"] not in parents)
        or (d["type"] == "otep" and "LXB" in rig.env.mechanism_drivers))}
    out = differences([d for d in truth["objects"] if d["id"] not in gaps], found)
    want = {(k["link_type"], k["source_id"], k["target_id"]) for k in truth["links"]
            if not gaps & {k["source_id"], k["target_id"]}}
    got = {(d["link_type"], d["source_id"], d["target_id"]) async for d in rig.db.links.find(
        {"environment": rig.env.name, "implicit": {"$ne": True}})}
    out += [f"missing link {k}" for k in sorted(want - got)]
    out += [f"unexpected link {k}" for k in sorted(got - want)]
    return out
