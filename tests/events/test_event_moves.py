"""An instance migrated (live, or cold and confirmed) through the simulator's Nova API:
after its notifications the
instance, its vNICs and their links and cliques are on the new host, nothing of it is left
on the old one, and the inventory equals the simulator's truth and a fresh scan."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
import pytest
from event_rig import (
    event_rig,
    fresh_scan_snapshot,
    snapshot,
    snapshot_differences,
    truth_differences,
)
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from sim_client import SimClient

from calipso.events.envelope import Notification
from calipso.events.handlers.event_instance_move import EventInstanceMove
from calipso.scanners.metadata_files import Metadata
from calipso.sim import spec_from_flags

pytestmark = pytest.mark.timeout(300)


async def leftovers(db: AsyncDatabase, env: str, host: str, marks: list[str]) -> list[str]:
    """Objects and links on ``host`` that name one of ``marks`` (port ids, the domain)."""
    out = [d["id"] async for d in db.inventory.find({"environment": env, "host": host})
           if any(m in d["id"] for m in marks)]
    out += [f"{d['source_id']} {d['target_id']}" async for d in db.links.find(
        {"environment": env, "host": host})
        if any(m in f"{d['source_id']} {d['target_id']}" for m in marks)]
    return out


@pytest.mark.parametrize(("driver", "legacy", "versioned", "live"), [
    ("ovs", True, False, True), ("lxb", True, True, True), ("vpp", False, True, True),
    ("ovs", True, False, False), ("vpp", False, True, False)])
async def test_a_migration_moves_the_instance_and_leaves_nothing_behind(
        db: AsyncDatabase, mongo_client: AsyncMongoClient, metadata: Metadata,
        driver: str, legacy: bool, versioned: bool, live: bool) -> None:
    spec = spec_from_flags(hosts=4, instances=3, networks=2, driver=driver, seed=23)
    async with event_rig(db, spec, metadata, legacy=legacy, versioned=versioned) as rig, \
            aiohttp.ClientSession() as http:
        api = await SimClient(rig.sim, http).login("admin")
        cloud = rig.sim.cloud
        inst = next(iter(cloud.instances.values()))
        source = inst.host
        dest = next(h.name for h in cloud.compute_hosts() if h.name != source)
        action = f"/servers/{inst.uuid}/action"
        if live:
            await api.nova("POST", action, {
                "os-migrateLive": {"host": dest, "block_migration": "auto"}})
        else:
            await api.nova("POST", action, {"migrate": {"host": dest}})
            await rig.settle()
            await api.nova("POST", action, {"confirmResize": None})
        await rig.settle()
        assert rig.listener.stats.dead_lettered == 0
        stored = await db.inventory.find_one({"environment": rig.env.name, "id": inst.uuid})
        assert stored is not None
        assert (stored["host"], stored["parent_id"]) == (dest, f"{dest}-instances")
        marks = [p[:11] for p in inst.port_ids] + [inst.libvirt_name]
        assert await leftovers(db, rig.env.name, source, marks) == []
        assert await leftovers(db, rig.env.name, dest, marks) != []
        assert await truth_differences(rig) == []
        after_events = await snapshot(db, rig.env.name)
        scanned = await fresh_scan_snapshot(mongo_client, rig, metadata)
    assert snapshot_differences(after_events, scanned) == []


async def test_the_move_handler_alone_re_reads_the_stored_host_and_the_new_one(
        db: AsyncDatabase, mongo_client: AsyncMongoClient, metadata: Metadata) -> None:
    """Only ``post.dest.end`` (no port or update notification before it): the handler
    takes the old host from the stored instance and the new one from the payload."""
    spec = spec_from_flags(hosts=4, instances=3, networks=2, driver="ovs", seed=23)
    async with event_rig(db, spec, metadata, listen=False) as rig:
        cloud = rig.sim.cloud
        inst = next(iter(cloud.instances.values()))
        moved = cloud.live_migrate_instance(inst.uuid)
        note = Notification("compute.instance.live_migration.post.dest.end", {
            "instance_id": inst.uuid, "host": moved.host, "state": "active"}, "m-1",
            f"compute.{moved.host}", "info", datetime.now(UTC))
        result = await EventInstanceMove(rig.services).handle(rig.env, note)
        assert result.result, result.message
        assert await leftovers(db, rig.env.name, inst.host,
                               [p[:11] for p in inst.port_ids]) == []
        assert await truth_differences(rig) == []
        after_events = await snapshot(db, rig.env.name)
        scanned = await fresh_scan_snapshot(mongo_client, rig, metadata)
    assert snapshot_differences(after_events, scanned) == []
