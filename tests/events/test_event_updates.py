"""Network, subnet and router updates through the simulator's Neutron API: what every host
shows of them (the DHCP vService's name, instances' network_info, link names, the router's
vService) follows, and the inventory equals the simulator's truth and a fresh scan."""

from __future__ import annotations

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

from calipso.scanners.metadata_files import Metadata
from calipso.sim import spec_from_flags

pytestmark = pytest.mark.timeout(300)


@pytest.mark.parametrize("driver", ["ovs", "lxb"])
async def test_renames_and_subnet_changes_reach_every_host(
        db: AsyncDatabase, mongo_client: AsyncMongoClient, metadata: Metadata,
        driver: str) -> None:
    spec = spec_from_flags(hosts=4, instances=4, networks=2, driver=driver, seed=37)
    async with event_rig(db, spec, metadata) as rig, aiohttp.ClientSession() as http:
        api = await SimClient(rig.sim, http).login("admin")
        cloud = rig.sim.cloud
        net = next(n for n in cloud.networks.values() if not n.external)
        sub = cloud.subnets[net.subnet_ids[0]]
        router = next(iter(cloud.routers.values()))
        await api.neutron("PUT", f"/networks/{net.id}", {"network": {"name": "blue"}})
        await api.neutron("PUT", f"/subnets/{sub.id}", {"subnet": {
            "dns_nameservers": ["10.53.0.1"], "name": "blue-sub"}})
        await api.neutron("PUT", f"/routers/{router.id}", {"router": {"name": "edge-2"}})
        await rig.settle()
        names = {d["name"] async for d in db.inventory.find(
            {"environment": rig.env.name, "type": "vservice"})}
        assert {"dhcp-blue", "router-edge-2"} <= names
        labels = {vif["network"]["label"] async for d in db.inventory.find(
            {"environment": rig.env.name, "type": "instance"}) for vif in d["network_info"]}
        assert "blue" in labels and net.name not in labels
        await api.neutron("PUT", f"/subnets/{sub.id}", {"subnet": {"enable_dhcp": False}})
        await rig.settle()
        assert "dhcp-blue" not in {d["name"] async for d in db.inventory.find(
            {"environment": rig.env.name, "type": "vservice"})}
        assert rig.listener.stats.dead_lettered == 0
        assert await truth_differences(rig) == []
        after_events = await snapshot(db, rig.env.name)
        scanned = await fresh_scan_snapshot(mongo_client, rig, metadata)
    assert snapshot_differences(after_events, scanned) == []
