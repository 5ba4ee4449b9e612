"""Reconciliation finds what no event said: changes made while nothing listened."""

from __future__ import annotations

import asyncio

import pytest
from event_rig import event_rig, scan, snapshot, snapshot_differences
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from calipso.db import ensure_indexes
from calipso.events.reconcile import Reconciler
from calipso.scanners.metadata_files import Metadata
from calipso.seed import load_seed
from calipso.sim import spec_from_flags

pytestmark = pytest.mark.timeout(300)


async def test_one_hosts_round_corrects_what_events_missed(
        db: AsyncDatabase, mongo_client: AsyncMongoClient, metadata: Metadata) -> None:
    spec = spec_from_flags(hosts=3, instances=2, networks=1, driver="ovs", seed=71)
    async with event_rig(db, spec, metadata, listen=False) as rig:
        cloud, name = rig.sim.cloud, rig.env.name
        project = next(p.id for p in cloud.projects.values() if p.name == "demo")
        net = cloud.create_network("unheard", project)
        cloud.create_subnet(net.id, "10.66.0.0/24", "unheard-sub")
        inst = cloud.create_instance("vm-unheard", project, [net.id])
        reconciler = Reconciler(rig.services, rig.env, asyncio.Lock(), interval=3600)
        assert await db.inventory.count_documents({"environment": name, "id": inst.uuid}) == 0

        applied = await reconciler.reconcile_host(inst.host)

        assert inst.uuid in applied.changed_ids and net.id in applied.changed_ids
        record = await db.messages.find_one({"environment": name,
                                             "origin_type": "reconciliation"})
        assert record is not None and record["related_object"] == inst.host
        assert inst.uuid in record["message"] and net.id in record["message"]
        again = await reconciler.reconcile_host(inst.host)
        assert (again.changed_ids, again.removed_ids) == ([], [])
        assert await db.messages.count_documents({"origin_type": "reconciliation"}) == 1
        reconciled = await snapshot(db, name)
        fresh = mongo_client[f"fresh_{rig.tag}"]
        try:
            await ensure_indexes(fresh)
            await load_seed(fresh)
            await scan(fresh, rig.env, metadata)
            scanned = await snapshot(fresh, name)
        finally:
            await mongo_client.drop_database(fresh.name)
    assert snapshot_differences(reconciled, scanned) == []
