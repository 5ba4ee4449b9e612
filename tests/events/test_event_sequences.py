"""A random sequence of mutations through the simulator, with the listener running and no
scan in between: inventory, links and cliques equal the simulator's truth and what a fresh
full scan stores, object by object and field by field. Every driver, both firewalls."""

from __future__ import annotations

import os
import random
from collections.abc import Callable

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

from calipso.errors import ApiRequestError
from calipso.scanners.metadata_files import Metadata
from calipso.sim import spec_from_flags
from calipso.sim.cloud import Cloud

pytestmark = pytest.mark.timeout(600)
# 40 in the suite (a minute a cloud); CALIPSO_TEST_EVENT_MUTATIONS=200 for the long run
MUTATIONS = int(os.environ.get("CALIPSO_TEST_EVENT_MUTATIONS", "40"))


def mutations(cloud: Cloud, rng: random.Random, n: int) -> list[Callable[[], object]]:
    """What a user may do next (some are refused by the cloud; that is fine too); ``n``
    numbers a new network and its CIDR."""
    project = next(p.id for p in cloud.projects.values() if p.name == "demo")
    nets = [n for n in cloud.networks.values() if not n.external]
    subnets = [s for s in cloud.subnets.values() if not cloud.networks[s.network_id].external]
    instances = list(cloud.instances.values())
    routers = list(cloud.routers.values())
    external = next((n.id for n in cloud.networks.values() if n.external), None)
    computes = [h.name for h in cloud.compute_hosts()]
    free = [p for p in cloud.ports.values() if not p.device_owner and not p.host]
    actions: list[Callable[[], object]] = [
        lambda: cloud.create_subnet(cloud.create_network(f"net{n}", project).id,
                                    f"10.{100 + n}.0.0/24", f"sub{n}"),
    ]
    if subnets:
        actions += [lambda: cloud.create_instance(f"vm{rng.randrange(10**6)}", project,
                                                  [rng.choice(subnets).network_id]),
                    lambda: cloud.create_port(rng.choice(subnets).network_id,
                                              name=f"p{rng.randrange(10**6)}")]
    if instances:
        inst = rng.choice(instances)
        actions += [lambda: cloud.delete_instance(inst.uuid),
                    lambda: cloud.rename_instance(inst.uuid, f"renamed{n}"),
                    lambda: cloud.set_instance_power(inst.uuid, inst.status != "ACTIVE")]
    if nets:
        actions.append(lambda: cloud.delete_network(rng.choice(nets).id))
    if free:
        port = rng.choice(free)
        actions += [lambda: cloud.bind_port(port.id, rng.choice(computes)),
                    lambda: cloud.rename_port(port.id, f"renamed{n}"),
                    lambda: cloud.delete_port(port.id)]
    actions.append(lambda: cloud.create_router(f"r{rng.randrange(10**6)}", project,
                                               external_network_id=external))
    if routers and subnets:
        router, subnet = rng.choice(routers), rng.choice(subnets)
        actions += [lambda: cloud.add_router_interface(router.id, subnet.id),
                    lambda: cloud.remove_router_interface(router.id, subnet.id),
                    lambda: cloud.clear_router_gateway(router.id),
                    lambda: cloud.delete_router(router.id)]
    return actions


# ``one_by_one``: every event applied on its own, so every handler's own work is checked;
# otherwise the events that arrive together are applied together
@pytest.mark.parametrize(("driver", "firewall", "type_driver", "versioned", "one_by_one"), [
    ("ovs", "hybrid", "vxlan", False, True),
    ("ovs", "openvswitch", "vlan", True, False),
    ("lxb", "hybrid", "vxlan", False, False),
    ("vpp", "hybrid", "vlan", False, False),
])
async def test_random_mutations_equal_the_truth_and_a_fresh_scan(
        db: AsyncDatabase, mongo_client: AsyncMongoClient, metadata: Metadata,
        driver: str, firewall: str, type_driver: str, versioned: bool,
        one_by_one: bool) -> None:
    spec = spec_from_flags(hosts=4, instances=4, networks=2, driver=driver,
                           firewall=firewall, type_driver=type_driver, seed=51)
    rng = random.Random(f"{driver}-{firewall}")
    async with event_rig(db, spec, metadata, versioned=versioned,
                         coalesce=not one_by_one) as rig:
        done = 0
        while done < MUTATIONS:
            try:
                rng.choice(mutations(rig.sim.cloud, rng, done))()
            except ApiRequestError:
                continue  # refused (a network in use, a router with interfaces...)
            done += 1
        await rig.settle()
        assert rig.listener.stats.dead_lettered == 0
        assert (rig.listener.stats.coalesced == 0) == one_by_one
        against_truth = await truth_differences(rig)
        after_events = await snapshot(db, rig.env.name)
        scanned = await fresh_scan_snapshot(mongo_client, rig, metadata)
    against_scan = snapshot_differences(after_events, scanned)
    print("\n".join(["against the scan:", *against_scan, "against the truth:", *against_truth]))
    assert {"scan": against_scan, "truth": against_truth} == {"scan": [], "truth": []}
