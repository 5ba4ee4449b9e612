"""Live migration, network and subnet updates and a router rename through the simulated
APIs: the answers, the cloud (bindings, libvirt domains, DHCP ports) and the truth follow,
and the notifications are the real services' in their order, legacy and versioned."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from test_sim_amqp import URI, Consumer, Received, consumer
from test_sim_api import ApiClient

from calipso.sim.checks import cloud_problems
from calipso.sim.model import OWNER_DHCP
from calipso.sim.server import SimCloud
from calipso.sim.spec import spec_from_flags

NOVA_UPDATE = "compute.instance.update"
LIVE = "compute.instance.live_migration"
MIGRATION = [
    NOVA_UPDATE, "scheduler.select_destinations.start", "scheduler.select_destinations.end",
    f"{LIVE}.pre.start", "instance.live_migration_pre.start",
    f"{LIVE}.pre.end", "instance.live_migration_pre.end",
    f"{LIVE}._post.start", "instance.live_migration_post.start",
    "port.update.start", "port.update.end",
    f"{LIVE}.post.dest.start", "instance.live_migration_post_dest.start",
    NOVA_UPDATE, f"{LIVE}.post.dest.end", "instance.live_migration_post_dest.end",
    f"{LIVE}._post.end", "instance.live_migration_post.end"]


@dataclass
class Lab:
    sim: SimCloud
    api: ApiClient
    cons: Consumer

    async def published(self) -> list[Received]:
        assert self.sim.amqp is not None
        await self.sim.amqp.flushed()
        return await self.cons.drain()


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    tag = uuid.uuid4().hex[:8]
    names = {"nova_exchange": f"t-nova-{tag}", "neutron_exchange": f"t-neutron-{tag}"}
    spec = spec_from_flags(hosts=4, instances=2, networks=1, seed=9)
    async with consumer(list(names.values())) as cons, SimCloud(
            spec, env_name=f"moves{tag}", ssh=False, amqp_uri=URI, amqp_options={
                **names, "delete_exchanges": True, "versioned": True}) as sim, \
            aiohttp.ClientSession() as http:
        yield Lab(sim, await ApiClient(sim, http).login(), cons)


def _host_of(data: dict[str, object]) -> object:
    inner = data.get("nova_object.data")
    return inner.get("host") if isinstance(inner, dict) else data.get("host")


async def test_live_migration_moves_the_instance_and_publishes_novas_sequence(
        lab: Lab) -> None:
    cloud = lab.sim.cloud
    inst = next(iter(cloud.instances.values()))
    source = inst.host
    dest = next(h.name for h in cloud.compute_hosts() if h.name != source)
    status, _ = await lab.api.call("POST", "nova", f"/servers/{inst.uuid}/action", {
        "os-migrateLive": {"host": dest, "block_migration": "auto"}})
    assert status == 202
    server = (await lab.api.get("nova", f"/servers/{inst.uuid}"))["server"]
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    port = (await lab.api.get("neutron", f"/v2.0/ports/{inst.port_ids[0]}"))["port"]
    assert port["binding:host_id"] == dest
    domain = cloud.instances[inst.uuid]
    assert [d.name for d in cloud.wiring(dest).domains].count(domain.libvirt_name) == 1
    assert domain.libvirt_name not in [d.name for d in cloud.wiring(source).domains]
    assert not any(p.id in inst.port_ids for p in cloud.ports_on_host(source))
    assert cloud_problems(cloud) == []
    truth = {o["id"]: o for o in lab.sim.truth()["objects"]}
    assert truth[inst.uuid]["host"] == dest
    assert not any(i.startswith(source) and inst.port_ids[0][:11] in i for i in truth)
    got = await lab.published()
    assert [r.event_type for r in got] == MIGRATION
    by_type = {r.event_type: r.message for r in got}
    assert by_type[f"{LIVE}.pre.start"]["publisher_id"] == f"compute.{dest}"
    assert by_type[f"{LIVE}._post.start"]["publisher_id"] == f"compute.{source}"
    assert _host_of(by_type[f"{LIVE}.post.dest.start"]["payload"]) == source
    assert _host_of(by_type[f"{LIVE}.post.dest.end"]["payload"]) == dest
    assert _host_of(by_type["instance.live_migration_post_dest.end"]["payload"]) == dest
    assert by_type["port.update.end"]["payload"]["port"]["binding:host_id"] == dest


COLD = [
    NOVA_UPDATE, "scheduler.select_destinations.start", "scheduler.select_destinations.end",
    "compute.instance.resize.prep.start", "instance.resize_prep.start",
    "compute.instance.resize.prep.end", "instance.resize_prep.end",
    NOVA_UPDATE, "compute.instance.resize.start", "instance.resize.start",
    NOVA_UPDATE, "compute.instance.resize.end", "instance.resize.end",
    "port.update.start", "port.update.end",
    NOVA_UPDATE, "compute.instance.finish_resize.start", "instance.resize_finish.start",
    NOVA_UPDATE, "compute.instance.finish_resize.end", "instance.resize_finish.end"]
CONFIRM = ["compute.instance.resize.confirm.start", "instance.resize_confirm.start",
           NOVA_UPDATE, "compute.instance.resize.confirm.end", "instance.resize_confirm.end"]


async def test_cold_migration_waits_for_its_confirmation(lab: Lab) -> None:
    cloud = lab.sim.cloud
    inst = next(iter(cloud.instances.values()))
    cloud.set_instance_power(inst.uuid, False)
    await lab.published()
    path = f"/servers/{inst.uuid}/action"
    assert (await lab.api.call("POST", "nova", path, {"confirmResize": None}))[0] == 409
    assert (await lab.api.call("POST", "nova", path, {"migrate": None}))[0] == 202
    server = (await lab.api.get("nova", f"/servers/{inst.uuid}"))["server"]
    assert (server["status"], server["OS-EXT-STS:vm_state"]) == ("VERIFY_RESIZE", "resized")
    dest = server["OS-EXT-SRV-ATTR:host"]
    assert dest != inst.host
    moved = await lab.published()
    assert [r.event_type for r in moved] == COLD
    assert moved[COLD.index("compute.instance.resize.start")].message["publisher_id"] \
        == f"compute.{inst.host}"
    assert _host_of(moved[-1].message["payload"]) == dest
    assert (await lab.api.call("POST", "nova", path, {"confirmResize": None}))[0] == 202
    server = (await lab.api.get("nova", f"/servers/{inst.uuid}"))["server"]
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("SHUTOFF", dest)
    confirmed = await lab.published()
    assert [r.event_type for r in confirmed] == CONFIRM
    assert confirmed[0].message["publisher_id"] == f"compute.{inst.host}"
    assert cloud_problems(cloud) == []


@pytest.mark.parametrize(("body", "status"), [
    ({"os-migrateLive": {"host": "nowhere", "block_migration": "auto"}}, 404),
    ({"os-migrateLive": {"host": None}}, 400),
    ({"os-migrateLive": {"host": "node-1.cloud.local", "block_migration": "auto"}}, 400),
])
async def test_a_bad_migration_is_refused_and_changes_nothing(
        lab: Lab, body: dict[str, object], status: int) -> None:
    inst = next(iter(lab.sim.cloud.instances.values()))
    version = lab.sim.cloud.version
    assert (await lab.api.call("POST", "nova", f"/servers/{inst.uuid}/action", body))[0] \
        == status
    assert lab.sim.cloud.version == version


async def test_a_stopped_instance_does_not_migrate(lab: Lab) -> None:
    inst = next(iter(lab.sim.cloud.instances.values()))
    lab.sim.cloud.set_instance_power(inst.uuid, False)
    status, data = await lab.api.call("POST", "nova", f"/servers/{inst.uuid}/action", {
        "os-migrateLive": {"host": None, "block_migration": "auto"}})
    assert status == 409, data
    assert lab.sim.cloud.instances[inst.uuid].host == inst.host


async def test_network_and_subnet_updates_publish_start_and_end(lab: Lab) -> None:
    cloud = lab.sim.cloud
    net = next(n for n in cloud.networks.values() if not n.external)
    sub = cloud.subnets[net.subnet_ids[0]]
    status, data = await lab.api.call("PUT", "neutron", f"/v2.0/networks/{net.id}", {
        "network": {"name": "renamed", "admin_state_up": False}})
    assert status == 200 and (data["network"]["name"], data["network"]["admin_state_up"]) \
        == ("renamed", False)
    status, data = await lab.api.call("PUT", "neutron", f"/v2.0/subnets/{sub.id}", {
        "subnet": {"name": "s2", "dns_nameservers": ["9.9.9.9"], "enable_dhcp": False}})
    assert status == 200, data
    assert not any(p.device_owner == OWNER_DHCP for p in cloud.ports_on_network(net.id))
    assert (await lab.api.call("PUT", "neutron", f"/v2.0/subnets/{sub.id}", {
        "subnet": {"enable_dhcp": True}}))[0] == 200
    assert any(p.device_owner == OWNER_DHCP for p in cloud.ports_on_network(net.id))
    router = next(iter(cloud.routers.values()))
    assert (await lab.api.call("PUT", "neutron", f"/v2.0/routers/{router.id}", {
        "router": {"name": "edge2"}}))[0] == 200
    assert cloud_problems(cloud) == []
    got = await lab.published()
    assert [r.event_type for r in got] == [
        "network.update.start", "network.update.end", "subnet.update.start",
        "subnet.update.end", "subnet.update.start", "subnet.update.end",
        "router.update.start", "router.update.end"]
    end = got[3].message["payload"]["subnet"]
    assert (end["name"], end["dns_nameservers"], end["enable_dhcp"]) == (
        "s2", ["9.9.9.9"], False)
    assert got[1].message["payload"]["network"]["name"] == "renamed"
    assert got[7].message["payload"]["router"]["name"] == "edge2"
    names = {o["id"]: o["name"] for o in lab.sim.truth()["objects"]}
    assert any(name == "router-edge2" for name in names.values())


@pytest.mark.parametrize(("body", "status"), [
    ({"subnet": {"gateway_ip": "10.99.0.1"}}, 400),
    ({"subnet": {"allocation_pools": [{"start": "x", "end": "y"}]}}, 400),
    ({"subnet": {"cidr": "10.0.0.0/24"}}, 400),
    ({"subnet": {"enable_dhcp": "yes"}}, 400),
])
async def test_a_bad_subnet_update_is_refused_and_changes_nothing(
        lab: Lab, body: dict[str, object], status: int) -> None:
    sub = next(s for s in lab.sim.cloud.subnets.values()
               if not lab.sim.cloud.networks[s.network_id].external)
    version = lab.sim.cloud.version
    assert (await lab.api.call("PUT", "neutron", f"/v2.0/subnets/{sub.id}", body))[0] \
        == status
    assert lab.sim.cloud.version == version
