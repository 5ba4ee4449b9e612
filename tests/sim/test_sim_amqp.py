"""The simulator's AMQP channel against the machine's RabbitMQ: each API call publishes
the event types the real services publish, in order, in envelopes that parse like the
captures; agents' ports publish nothing; exchanges keep simulators apart."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aio_pika
import pytest
from shared_fixtures import shared_fixture

from calipso.env_config import AmqpSection
from calipso.errors import ConfigError
from calipso.sim import Cloud, generate, spec_from_flags
from calipso.sim.amqp import AmqpChannel, open_amqp_channel

URI = "amqp://guest:guest@127.0.0.1:5672/"
NOVA_UPDATE = "compute.instance.update"
BOOT = [NOVA_UPDATE, "scheduler.select_destinations.start",
        "scheduler.select_destinations.end", NOVA_UPDATE, "compute.instance.create.start",
        NOVA_UPDATE, NOVA_UPDATE,
        "port.create.start", "port.create.end", "port.update.start", "port.update.end",
        NOVA_UPDATE, NOVA_UPDATE, NOVA_UPDATE, "compute.instance.create.end"]
DELETE = [NOVA_UPDATE, "compute.instance.delete.start", "compute.instance.shutdown.start",
          "port.delete.start", "port.delete.end", "compute.instance.shutdown.end",
          NOVA_UPDATE, "compute.instance.delete.end"]


@dataclass(slots=True)
class Received:
    exchange: str
    routing_key: str
    body: dict[str, Any]  # the envelope
    message: dict[str, Any]  # the decoded oslo.message

    @property
    def event_type(self) -> str:
        return str(self.message["event_type"])


class Consumer:
    """A queue bound to the simulator's exchanges, as Calipso's listener would bind one."""

    def __init__(self, queue: aio_pika.abc.AbstractQueue) -> None:
        self.queue = queue

    async def drain(self) -> list[Received]:
        out = []
        while (msg := await self.queue.get(no_ack=True, fail=False)) is not None:
            assert msg.content_type == "application/json"
            body = json.loads(msg.body)
            out.append(Received(str(msg.exchange), str(msg.routing_key), body,
                                json.loads(body["oslo.message"])))
        return out

    async def event_types(self) -> list[str]:
        return [r.event_type for r in await self.drain()]


@contextlib.asynccontextmanager
async def consumer(exchanges: list[str], routing_key: str = "#") -> AsyncIterator[Consumer]:
    conn = await aio_pika.connect(URI)
    try:
        ch = await conn.channel()
        queue = await ch.declare_queue(exclusive=True, auto_delete=True)
        for name in exchanges:
            exchange = await ch.declare_exchange(name, aio_pika.ExchangeType.TOPIC,
                                                 durable=False)
            await queue.bind(exchange, routing_key=routing_key)
        yield Consumer(queue)
    finally:
        await conn.close()


def make_cloud(seed: int = 5) -> Cloud:
    return generate(spec_from_flags(
        hosts={"controllers": 1, "networks": 1, "computes": 2, "combined": 0}, instances=3,
        networks=2, seed=seed))


@contextlib.asynccontextmanager
async def sim_channel(cloud: Cloud, **kwargs: Any) -> AsyncIterator[tuple[AmqpChannel,
                                                                          Consumer]]:
    tag = uuid.uuid4().hex[:8]
    names = {"nova_exchange": f"t-nova-{tag}", "neutron_exchange": f"t-neutron-{tag}"}
    async with consumer(list(names.values())) as cons, open_amqp_channel(
            cloud, URI, delete_exchanges=True, **names, **kwargs) as amqp:
        yield amqp, cons


@pytest.fixture
async def sim() -> AsyncIterator[tuple[Cloud, AmqpChannel, Consumer]]:
    cloud = make_cloud()
    async with sim_channel(cloud) as (amqp, cons):
        yield cloud, amqp, cons


def tenant(cloud: Cloud) -> str:
    return next(p.id for p in cloud.projects.values() if p.name == "demo")


async def after(amqp: AmqpChannel, cons: Consumer, act: Callable[[], object]) -> list[Received]:
    act()
    await amqp.flushed()
    return await cons.drain()


async def test_boot_and_delete_publish_novas_sequence_with_neutrons_ports(
        sim: tuple[Cloud, AmqpChannel, Consumer]) -> None:
    cloud, amqp, cons = sim
    net = next(n for n in cloud.networks.values() if not n.external)
    inst = cloud.create_instance("vm-amqp", tenant(cloud), [net.id])
    await amqp.flushed()
    got = await cons.drain()
    assert [r.event_type for r in got] == BOOT
    port = cloud.ports[inst.port_ids[0]]
    for r in got:
        nova = r.event_type.startswith(("compute.", "scheduler."))
        assert r.routing_key == "notifications.info"
        assert r.exchange == amqp.exchanges["nova" if nova else "neutron"]
        assert r.message["priority"] == "INFO"
        service = r.message["publisher_id"].split(".")[0]
        assert service in (("api", "scheduler", "compute", "conductor") if nova
                           else ("network",))
    create_end = got[-1].message
    assert create_end["publisher_id"] == f"compute.{inst.host}"
    payload = create_end["payload"]
    assert (payload["instance_id"], payload["host"], payload["state"]) == (
        inst.uuid, inst.host, "active")
    assert [ip["vif_mac"] for ip in payload["fixed_ips"]] == [port.mac]
    bound = got[BOOT.index("port.update.end")].message["payload"]["port"]
    assert (bound["id"], bound["binding:host_id"], bound["device_id"]) == (
        port.id, inst.host, inst.uuid)
    unbound = got[BOOT.index("port.create.end")].message["payload"]["port"]
    assert (unbound["binding:vif_type"], unbound["device_id"]) == ("unbound", "")
    states = [(r.message["payload"]["old_state"], r.message["payload"]["state"])
              for r in got if r.event_type == NOVA_UPDATE]
    assert states[-1] == ("building", "active")

    got = await after(amqp, cons, lambda: cloud.delete_instance(inst.uuid))
    assert [r.event_type for r in got] == DELETE
    assert got[DELETE.index("port.delete.end")].message["payload"]["port_id"] == port.id
    assert got[-1].message["payload"]["state"] == "deleted"
    assert got[-2].message["payload"]["old_state"] == "active"


async def test_neutron_calls_publish_start_and_end(
        sim: tuple[Cloud, AmqpChannel, Consumer]) -> None:
    cloud, amqp, cons = sim
    project = tenant(cloud)
    got = await after(amqp, cons, lambda: cloud.create_network("n-amqp", project))
    assert [r.event_type for r in got] == ["network.create.start", "network.create.end"]
    net = got[1].message["payload"]["network"]
    model = next(n for n in cloud.networks.values() if n.name == "n-amqp")
    assert (net["id"], net["provider:segmentation_id"]) == (model.id, model.segmentation_id)

    # the DHCP port the agent makes publishes nothing
    got = await after(amqp, cons, lambda: cloud.create_subnet(model.id, "10.66.0.0/24"))
    assert [r.event_type for r in got] == ["subnet.create.start", "subnet.create.end"]
    sub = got[1].message["payload"]["subnet"]
    assert sub["network_id"] == model.id and sub["enable_dhcp"] is True

    router = next(iter(cloud.routers.values()))
    got = await after(amqp, cons, lambda: cloud.add_router_interface(router.id, sub["id"]))
    assert [r.event_type for r in got] == ["router.interface.create"]
    iface = got[0].message["payload"]["router_interface"]
    port = next(p for p in cloud.router_ports(router.id) if p.network_id == model.id)
    assert (iface["id"], iface["subnet_id"], iface["port_id"], iface["subnet_ids"]) == (
        router.id, sub["id"], port.id, [sub["id"]])
    got = await after(amqp, cons, lambda: cloud.remove_router_interface(router.id, sub["id"]))
    assert [r.event_type for r in got] == ["router.interface.delete"]
    assert got[0].message["payload"]["router_interface"]["port_id"] == port.id

    got = await after(amqp, cons, lambda: cloud.delete_subnet(sub["id"]))
    assert [r.event_type for r in got] == ["subnet.delete.start", "subnet.delete.end"]
    assert got[1].message["payload"]["subnet_id"] == sub["id"]
    got = await after(amqp, cons, lambda: cloud.delete_network(model.id))
    assert [r.event_type for r in got] == ["network.delete.start", "network.delete.end"]
    assert got[0].message["payload"] == {"network_id": model.id}


async def test_routers_and_their_gateways(sim: tuple[Cloud, AmqpChannel, Consumer]) -> None:
    cloud, amqp, cons = sim
    public = next(n for n in cloud.networks.values() if n.external)
    project = tenant(cloud)
    got = await after(amqp, cons, lambda: cloud.create_router(
        "r-amqp", project, external_network_id=public.id))
    assert [r.event_type for r in got] == ["router.create.start", "router.create.end"]
    view = got[1].message["payload"]["router"]
    router = next(r for r in cloud.routers.values() if r.name == "r-amqp")
    gw_port = cloud.ports[str(router.gw_port_id)]
    assert view["external_gateway_info"]["network_id"] == public.id
    assert view["external_gateway_info"]["external_fixed_ips"][0]["ip_address"] == (
        gw_port.fixed_ips[0].ip_address)
    got = await after(amqp, cons, lambda: cloud.clear_router_gateway(router.id))
    assert [r.event_type for r in got] == ["router.update.start", "router.update.end"]
    assert got[1].message["payload"]["router"]["external_gateway_info"] is None
    got = await after(amqp, cons, lambda: cloud.set_router_gateway(router.id, public.id))
    assert [r.event_type for r in got] == ["router.update.start", "router.update.end"]
    assert got[0].message["payload"] == {"router": {"external_gateway_info": {
        "network_id": public.id}}, "id": router.id}
    got = await after(amqp, cons, lambda: cloud.delete_router(router.id))
    assert [r.event_type for r in got] == ["router.delete.start", "router.delete.end"]


async def test_ports_through_the_api(sim: tuple[Cloud, AmqpChannel, Consumer]) -> None:
    cloud, amqp, cons = sim
    net = next(n for n in cloud.networks.values() if not n.external)
    got = await after(amqp, cons, lambda: cloud.create_port(net.id, name="spare"))
    assert [r.event_type for r in got] == ["port.create.start", "port.create.end"]
    port_id = got[1].message["payload"]["port"]["id"]
    host = cloud.compute_hosts()[0].name
    got = await after(amqp, cons, lambda: cloud.bind_port(port_id, host, device_id="dev-1"))
    assert [r.event_type for r in got] == ["port.update.start", "port.update.end"]
    assert got[1].message["payload"]["port"]["binding:host_id"] == host
    got = await after(amqp, cons, lambda: cloud.delete_port(port_id))
    assert [r.event_type for r in got] == ["port.delete.start", "port.delete.end"]


async def test_back_to_back_calls_keep_their_own_sequences(
        sim: tuple[Cloud, AmqpChannel, Consumer]) -> None:
    cloud, amqp, cons = sim
    net = next(n for n in cloud.networks.values() if not n.external)
    project = tenant(cloud)
    first = cloud.create_instance("a", project, [net.id])
    second = cloud.create_instance("b", project, [net.id])
    cloud.delete_instance(first.uuid)
    await amqp.flushed()
    got = await cons.drain()
    assert [r.event_type for r in got] == BOOT + BOOT + DELETE
    ids = [r.message["payload"].get("instance_id") for r in got]
    assert ids[len(BOOT) - 1] == first.uuid and ids[2 * len(BOOT) - 1] == second.uuid
    assert ids[-1] == first.uuid


async def test_only_novas_versioned_notifications() -> None:
    cloud = make_cloud()
    async with sim_channel(cloud, legacy=False, versioned=True) as (amqp, cons):
        net = next(n for n in cloud.networks.values() if not n.external)
        inst = cloud.create_instance("vm-v", tenant(cloud), [net.id])
        await amqp.flushed()
        got = await cons.drain()
        assert [r.event_type for r in got] == [
            "instance.create.start", "port.create.start", "port.create.end",
            "port.update.start", "port.update.end", "instance.create.end"]
        end = got[-1]
        assert end.routing_key == "versioned_notifications.info"
        assert end.message["publisher_id"] == f"nova-compute:{inst.host}"
        payload = end.message["payload"]
        sample = json.loads(
            shared_fixture("notifications/versioned/instance.create.end.json").read_text())
        assert payload["nova_object.name"] == sample["payload"]["nova_object.name"]
        data = payload["nova_object.data"]
        assert set(sample["payload"]["nova_object.data"]) <= set(data)
        assert (data["uuid"], data["host"], data["state"]) == (inst.uuid, inst.host, "active")
        assert [ip["nova_object.data"]["mac"] for ip in data["ip_addresses"]] == [
            cloud.ports[p].mac for p in inst.port_ids]
        cloud.delete_instance(inst.uuid)
        await amqp.flushed()
        assert await cons.event_types() == [
            "instance.delete.start", "instance.shutdown.start", "port.delete.start",
            "port.delete.end", "instance.shutdown.end", "instance.delete.end"]


async def test_both_formats_put_each_versioned_message_after_its_legacy_one() -> None:
    cloud = make_cloud()
    async with sim_channel(cloud, legacy=True, versioned=True) as (amqp, cons):
        net = next(n for n in cloud.networks.values() if not n.external)
        cloud.create_instance("vm-both", tenant(cloud), [net.id])
        await amqp.flushed()
        types = await cons.event_types()
        assert [t for t in types if not t.startswith("instance.")] == BOOT
        for event in ("create.start", "create.end"):
            assert types.index(f"instance.{event}") == types.index(
                f"compute.instance.{event}") + 1


async def test_a_consumer_bound_to_one_exchange_gets_only_that_service() -> None:
    cloud = make_cloud()
    tag = uuid.uuid4().hex[:8]
    names = {"nova_exchange": f"t-nova-{tag}", "neutron_exchange": f"t-neutron-{tag}"}
    async with consumer([names["neutron_exchange"]], "notifications.info") as cons, \
            open_amqp_channel(cloud, URI, delete_exchanges=True, **names) as amqp:
        net = next(n for n in cloud.networks.values() if not n.external)
        cloud.create_instance("vm-n", tenant(cloud), [net.id])
        await amqp.flushed()
        assert await cons.event_types() == [
            "port.create.start", "port.create.end", "port.update.start", "port.update.end"]


async def test_two_simulators_do_not_interfere() -> None:
    one, two = make_cloud(1), make_cloud(2)
    async with sim_channel(one) as (amqp1, cons1), sim_channel(two) as (amqp2, cons2):
        net1 = next(n for n in one.networks.values() if not n.external)
        net2 = next(n for n in two.networks.values() if not n.external)
        inst1 = one.create_instance("one", tenant(one), [net1.id])
        inst2 = two.create_instance("two", tenant(two), [net2.id])
        await amqp1.flushed()
        await amqp2.flushed()
        got1, got2 = await cons1.drain(), await cons2.drain()
        assert [r.event_type for r in got1] == [r.event_type for r in got2] == BOOT
        assert got1[-1].message["payload"]["instance_id"] == inst1.uuid
        assert got2[-1].message["payload"]["instance_id"] == inst2.uuid


async def test_config_is_an_amqp_section(sim: tuple[Cloud, AmqpChannel, Consumer]) -> None:
    _, amqp, _ = sim
    section = AmqpSection.model_validate(amqp.config())
    assert (section.host, section.port, section.user, section.vhost) == (
        "127.0.0.1", 5672, "guest", "/")
    assert section.pwd.get_secret_value() == "guest" and "guest" not in repr(amqp)


async def test_bad_uri_and_unreachable_broker_are_config_errors() -> None:
    for uri in ("http://guest@127.0.0.1/", "amqp://guest:guest@127.0.0.1:1/"):
        with pytest.raises(ConfigError):
            async with open_amqp_channel(make_cloud(), uri):
                pass


async def test_a_burst_keeps_its_order_through_the_publish_window(
        sim: tuple[Cloud, AmqpChannel, Consumer]) -> None:
    cloud, amqp, cons = sim
    net = next(n for n in cloud.networks.values() if not n.external)
    booted = [cloud.create_instance(f"burst-{i}", tenant(cloud), [net.id]).uuid
              for i in range(40)]
    await amqp.flushed()
    got = await cons.drain()
    assert [r.event_type for r in got] == BOOT * 40
    ends = [r.message["payload"]["instance_id"] for r in got
            if r.event_type == "compute.instance.create.end"]
    assert ends == booted
    assert list(amqp.event_types)[-len(got):] == [r.event_type for r in got]


async def _drop_connection(name: str) -> int:
    """Have RabbitMQ close the connections named `name` (as a broker restart would)."""
    listing = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", "list_connections", "pid", "client_properties",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    out, _ = await listing.communicate()
    pids = [line.split("\t")[0] for line in out.decode().splitlines() if name in line]
    for pid in pids:
        closing = await asyncio.create_subprocess_exec(
            "rabbitmqctl", "-q", "close_connection", pid, "test: broker gone",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        await closing.wait()
    return len(pids)


@pytest.mark.skipif(shutil.which("rabbitmqctl") is None, reason="needs rabbitmqctl")
async def test_publishing_resumes_after_the_broker_drops_the_connection() -> None:
    cloud = make_cloud()
    async with sim_channel(cloud) as (amqp, cons):
        net = next(n for n in cloud.networks.values() if not n.external)
        drop = asyncio.create_task(_drop_connection(f"calipso-sim:{amqp.exchanges['nova']}"))
        booted = []
        while not drop.done() or len(booted) < 5:  # boots before, during and after the drop
            booted.append(cloud.create_instance(f"drop-{len(booted)}", tenant(cloud),
                                                [net.id]).uuid)
            if len(booted) % 5 == 0:
                cloud.delete_instance(booted[-5])
            await asyncio.sleep(0.02)
        assert await drop == 1
        async with asyncio.timeout(60):
            await amqp.flushed()
        got = await cons.drain()
        first = {r.message["message_id"]: r for r in got}  # at least once: drops repeat
        creates = [r.message["payload"]["instance_id"] for r in first.values()
                   if r.event_type == "compute.instance.create.end"]
        assert creates == booted
        assert len(first) == len(BOOT) * len(booted) + len(DELETE) * (len(booted) // 5)
