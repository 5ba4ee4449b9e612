"""Ports no host sees (not bound, no device), created, renamed and deleted in a burst: written from
their notifications (no host re-read; the only cloud call is the agents listing, for the
DHCP agents' port counts, once for the events applied together), and the result equals
a fresh scan and the simulator's truth field by field."""

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


async def test_a_burst_of_unbound_ports_is_written_without_reading_the_cloud(
        db: AsyncDatabase, mongo_client: AsyncMongoClient, metadata: Metadata) -> None:
    spec = spec_from_flags(hosts=3, instances=2, networks=2, driver="ovs", seed=17)
    async with event_rig(db, spec, metadata) as rig:
        cloud = rig.sim.cloud
        nets = [n.id for n in cloud.networks.values() if not n.external and n.subnet_ids]
        ssh_commands = rig.sim.ssh.commands if rig.sim.ssh else 0
        rig.listener.stats.work.clear()
        ports = [cloud.create_port(nets[i % len(nets)], name=f"burst{i}") for i in range(30)]
        await rig.settle()
        for port in ports[1::3]:
            cloud.rename_port(port.id, f"renamed-{port.name}")
        for port in ports[::3]:  # stored by now, so known to be seen by no host
            cloud.delete_port(port.id)
        await rig.settle()
        assert rig.listener.stats.dead_lettered == 0
        assert (rig.sim.ssh.commands if rig.sim.ssh else 0) == ssh_commands
        # every event took the database-only path: none re-read networks or hosts
        assert "ports_ms" in rig.listener.stats.work
        assert "networks_ms" not in rig.listener.stats.work
        stored = {d["id"]: d["name"] async for d in db.inventory.find(
            {"environment": rig.env.name, "type": "port", "name": {"$regex": "burst"}})}
        assert stored == {p.id: f"renamed-{p.name}" if i % 3 == 1 else p.name
                          for i, p in enumerate(ports) if i % 3 != 0}
        assert await truth_differences(rig) == []
        after_events = await snapshot(db, rig.env.name)
        scanned = await fresh_scan_snapshot(mongo_client, rig, metadata)
    assert snapshot_differences(after_events, scanned) == []
