"""A random sequence of mutations through the simulator's Nova and Neutron APIs (boots,
deletes, renames, power, live and cold migrations; networks, subnets, ports, routers and router
interfaces created, updated, deleted), with the listener running and no scan in between:
inventory, links and cliques equal the simulator's truth and what a fresh full scan
stores, object by object and field by field. Every driver, both firewalls."""

from __future__ import annotations

import ipaddress
import os
import random
from collections import Counter
from collections.abc import Awaitable, Callable

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
from sim_client import Refused, SimClient

from calipso.scanners.metadata_files import Metadata
from calipso.sim import spec_from_flags
from calipso.sim.cloud import Cloud
from calipso.sim.model import Subnet

# 40 in the suite (a minute a cloud); CALIPSO_TEST_EVENT_MUTATIONS=200 for the long run
MUTATIONS = int(os.environ.get("CALIPSO_TEST_EVENT_MUTATIONS", "40"))
pytestmark = pytest.mark.timeout(max(600, 15 * MUTATIONS))


Mutation = tuple[str, Callable[[], Awaitable[object]]]
# kinds drawn more often than the others, so that every run boots enough instances to
# migrate them and updates networks and subnets
WEIGHTS = {"boot": 3, "migrate": 3, "cold migrate": 2, "confirm": 3, "network update": 2,
           "subnet update": 2}


def mutations(cloud: Cloud, api: SimClient, rng: random.Random, n: int) -> list[Mutation]:
    """What a user may do next through the APIs (some calls the cloud refuses; that is
    fine too), named by kind; ``n`` numbers new names and a new network's CIDR. The cloud
    is read only to choose what to act on."""
    nets = [n for n in cloud.networks.values() if not n.external]
    subnets = [s for s in cloud.subnets.values() if not cloud.networks[s.network_id].external]
    instances = list(cloud.instances.values())
    routers = list(cloud.routers.values())
    external = next((n.id for n in cloud.networks.values() if n.external), None)
    computes = [h.name for h in cloud.compute_hosts()]
    free = [p for p in cloud.ports.values() if not p.device_owner and not p.host]
    nova, neutron = api.nova, api.neutron

    async def network_with_subnet() -> None:
        net = await neutron("POST", "/networks", {"network": {"name": f"net{n}"}})
        await neutron("POST", "/subnets", {"subnet": {
            "network_id": net["network"]["id"], "cidr": f"10.{100 + n}.0.0/24",
            "ip_version": 4, "name": f"sub{n}"}})

    actions: list[Mutation] = [
        ("network create", network_with_subnet),
        ("router create", lambda: neutron("POST", "/routers", {"router": {
            "name": f"r{n}", "external_gateway_info": {"network_id": external}}})),
    ]
    if subnets:
        sub = rng.choice(subnets)
        actions += [
            ("boot", lambda: nova("POST", "/servers", {"server": {
                "name": f"vm{n}", "flavorRef": "1", "networks": [{"uuid": sub.network_id}]}})),
            ("port create", lambda: neutron("POST", "/ports", {"port": {
                "network_id": sub.network_id, "name": f"p{n}"}})),
            ("subnet update", lambda: neutron("PUT", f"/subnets/{sub.id}", {
                "subnet": subnet_change(sub, rng, n)})),
            ("subnet delete", lambda: neutron("DELETE", f"/subnets/{sub.id}")),
        ]
    if instances:
        inst = rng.choice(instances)
        server = f"/servers/{inst.uuid}"
        resized = [i.uuid for i in instances if i.status == "VERIFY_RESIZE"]
        others = [h for h in computes if h != inst.host]
        actions += [
            ("delete", lambda: nova("DELETE", server)),
            ("rename", lambda: nova("PUT", server, {"server": {"name": f"renamed{n}"}})),
            ("power", lambda: nova("POST", f"{server}/action", {
                "os-start" if inst.status != "ACTIVE" else "os-stop": None})),
            ("migrate", lambda: nova("POST", f"{server}/action", {"os-migrateLive": {
                "host": rng.choice([None, *others]), "block_migration": "auto"}})),
            ("cold migrate", lambda: nova("POST", f"{server}/action", {
                "migrate": {"host": rng.choice(others)} if others else None})),
        ]
        if resized:
            actions.append(("confirm", lambda: nova("POST", f"/servers/{resized[0]}/action", {
                "confirmResize": None})))
    if nets:
        net = rng.choice(nets)
        actions += [
            ("network delete", lambda: neutron("DELETE", f"/networks/{net.id}")),
            ("network update", lambda: neutron("PUT", f"/networks/{net.id}", {"network": {
                "name": f"renamed{n}", "admin_state_up": rng.random() < 0.8}})),
        ]
    if free:
        port = rng.choice(free)
        actions += [
            ("port bind", lambda: neutron("PUT", f"/ports/{port.id}", {
                "port": {"binding:host_id": rng.choice(computes)}})),
            ("port rename", lambda: neutron("PUT", f"/ports/{port.id}", {
                "port": {"name": f"renamed{n}"}})),
            ("port delete", lambda: neutron("DELETE", f"/ports/{port.id}")),
        ]
    if routers and subnets:
        router, subnet = f"/routers/{rng.choice(routers).id}", rng.choice(subnets)
        actions += [
            ("interface add", lambda: neutron("PUT", f"{router}/add_router_interface", {
                "subnet_id": subnet.id})),
            ("interface remove", lambda: neutron("PUT", f"{router}/remove_router_interface", {
                "subnet_id": subnet.id})),
            ("gateway clear", lambda: neutron("PUT", router, {
                "router": {"external_gateway_info": {}}})),
            ("router rename", lambda: neutron("PUT", router, {"router": {"name": f"r{n}x"}})),
            ("router delete", lambda: neutron("DELETE", router)),
        ]
    return actions


def subnet_change(sub: Subnet, rng: random.Random, n: int) -> dict[str, object]:
    """One of the changes a subnet update makes: a name, DHCP on or off, DNS servers, no
    gateway, or a smaller allocation pool."""
    start, end = sub.allocation_pools[0][0], sub.allocation_pools[-1][1]
    last = ipaddress.ip_address(end)
    return rng.choice([
        {"name": f"sub-renamed{n}"},
        {"enable_dhcp": not sub.enable_dhcp},
        {"dns_nameservers": [f"10.53.0.{n % 250 + 1}"]},
        {"gateway_ip": None},
        {"allocation_pools": [{"start": start, "end": str(last - 1 - n % 8)}]},
    ])


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
    made: Counter[str] = Counter()
    async with event_rig(db, spec, metadata, versioned=versioned,
                         coalesce=not one_by_one) as rig, aiohttp.ClientSession() as http:
        api = await SimClient(rig.sim, http).login("demo")
        while made.total() < MUTATIONS:
            choices = mutations(rig.sim.cloud, api, rng, made.total())
            kind, call = rng.choices(choices, [WEIGHTS.get(k, 1) for k, _ in choices])[0]
            try:
                await call()
            except Refused:
                continue  # refused (a network in use, a router with interfaces...)
            made[kind] += 1
        # applied one by one, each event re-reads its hosts: the listener lags the calls
        await rig.settle(within=max(120, 6 * MUTATIONS))
        assert rig.listener.stats.dead_lettered == 0
        assert (rig.listener.stats.coalesced == 0) == one_by_one
        against_truth = await truth_differences(rig)
        after_events = await snapshot(db, rig.env.name)
        scanned = await fresh_scan_snapshot(mongo_client, rig, metadata)
    against_scan = snapshot_differences(after_events, scanned)
    print(f"mutations: {dict(made)}")
    print("\n".join(["against the scan:", *against_scan, "against the truth:", *against_truth]))
    assert {"scan": against_scan, "truth": against_truth} == {"scan": [], "truth": []}
    assert all(made[k] for k in WEIGHTS if k != "confirm"), made
