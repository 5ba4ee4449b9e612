"""Notifications of a simulated cloud, consumed from this machine's RabbitMQ: after the
mutations, inventory, links and cliques equal the simulator's truth and a fresh scan's."""

from __future__ import annotations

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

from calipso.scanners.metadata_files import Metadata
from calipso.sim import spec_from_flags

pytestmark = pytest.mark.timeout(300)


def tenant(cloud) -> str:  # type: ignore[no-untyped-def]
    return next(p.id for p in cloud.projects.values() if p.name == "demo")


async def test_a_boot_a_new_network_and_a_delete_equal_a_fresh_scan(
        db: AsyncDatabase, mongo_client: AsyncMongoClient, metadata: Metadata) -> None:
    spec = spec_from_flags(hosts=3, instances=3, networks=1, driver="ovs", seed=31)
    async with event_rig(db, spec, metadata) as rig:
        cloud = rig.sim.cloud
        net = cloud.create_network("blue", tenant(cloud))
        cloud.create_subnet(net.id, "10.77.0.0/24", "blue-sub")
        inst = cloud.create_instance("vm-blue", tenant(cloud), [net.id])
        old = next(i for i in cloud.instances.values() if i.uuid != inst.uuid)
        cloud.delete_instance(old.uuid)
        await rig.settle()
        assert rig.listener.stats.dead_lettered == 0
        assert await db.inventory.count_documents(
            {"environment": rig.env.name, "id": inst.uuid, "host": inst.host}) == 1
        assert await db.inventory.count_documents(
            {"environment": rig.env.name, "id": old.uuid}) == 0
        assert await truth_differences(rig) == []
        after_events = await snapshot(db, rig.env.name)
        scanned = await fresh_scan_snapshot(mongo_client, rig, metadata)
    assert snapshot_differences(after_events, scanned) == []
