"""Every notification the simulator publishes parses like the captured ones: the same
envelope, the same top-level and context keys, the captured payload keys (and more), and a
boot in the captured order."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from shared_fixtures import SHARED_FIXTURES, needs_shared, shared_fixture
from test_sim_amqp import Received, make_cloud, sim_channel, tenant

from calipso.sim import Cloud


def _captures() -> list[Any]:
    """One parameter per captured message; one skipped parameter without ../shared."""
    folder = SHARED_FIXTURES / "notifications"
    if not folder.is_dir():
        return [pytest.param(None, id="captures", marks=needs_shared)]
    return [pytest.param(p, id=p.name) for p in sorted(folder.glob("*.json"))
            if not p.name.endswith(".envelope.json")]


def _scenario(cloud: Cloud) -> None:
    """One of every API call the simulator publishes for."""
    project = tenant(cloud)
    public = next(n for n in cloud.networks.values() if n.external)
    net = cloud.create_network("fmt-net", project)
    sub = cloud.create_subnet(net.id, "10.55.0.0/24")
    cloud.update_network(net.id, name="fmt-net-2")
    cloud.update_subnet(sub.id, name="fmt-sub", dns_nameservers=["9.9.9.9"])
    inst = cloud.create_instance("fmt-vm", project, [net.id])
    router = cloud.create_router("fmt-r", project, external_network_id=public.id)
    cloud.add_router_interface(router.id, sub.id)
    cloud.remove_router_interface(router.id, sub.id)
    cloud.clear_router_gateway(router.id)
    cloud.set_router_gateway(router.id, public.id)
    cloud.delete_router(router.id)
    port = cloud.create_port(net.id)
    cloud.bind_port(port.id, inst.host)
    cloud.delete_port(port.id)
    cloud.delete_instance(inst.uuid)
    cloud.delete_subnet(sub.id)
    cloud.delete_network(net.id)


@pytest.fixture(scope="module")
async def published() -> dict[str, list[Received]]:
    cloud = make_cloud()
    async with sim_channel(cloud) as (amqp, cons):
        _scenario(cloud)
        await amqp.flushed()
        by_type: dict[str, list[Received]] = {}
        for r in await cons.drain():
            by_type.setdefault(r.event_type, []).append(r)
        return by_type


def test_every_message_is_an_oslo_v2_envelope(published: dict[str, list[Received]]) -> None:
    for received in (r for rs in published.values() for r in rs):
        assert set(received.body) == {"oslo.version", "oslo.message"}
        assert received.body["oslo.version"] == "2.0"
        msg = received.message
        datetime.strptime(msg["timestamp"], "%Y-%m-%d %H:%M:%S.%f")
        assert re.fullmatch(r"[0-9a-f-]{36}", msg["message_id"])
        assert re.fullmatch(r"[0-9a-f]{32}", msg["_unique_id"])
        assert msg["priority"] == "INFO"


def _keys_below(captured: Any, ours: Any, where: str) -> None:
    """Every key of the capture is in ours, recursively through the resource dicts."""
    if not isinstance(captured, dict) or not isinstance(ours, dict):
        return
    missing = set(captured) - set(ours)
    assert not missing, f"{where}: missing {sorted(missing)}"
    for key in ("network", "subnet", "port", "router", "router_interface",
                "external_gateway_info"):
        if isinstance(captured.get(key), dict):
            _keys_below(captured[key], ours.get(key), f"{where}.{key}")


@pytest.mark.parametrize("path", _captures())
def test_messages_have_the_captured_keys(path: Path,
                                         published: dict[str, list[Received]]) -> None:
    captured = json.loads(path.read_text())
    event = captured["event_type"]
    assert event in published, f"{event} was never published"
    ours = published[event][-1].message
    missing = set(captured) - set(ours)  # captures of several releases: ours is their union
    assert not missing, f"{path.name}: {sorted(missing)}"
    assert ours["publisher_id"].split(".")[0] == captured["publisher_id"].split(".")[0]
    _keys_below(captured["payload"], ours["payload"], event)
    if "fixed_ips" in captured["payload"] and captured["payload"]["fixed_ips"]:
        assert set(ours["payload"]["fixed_ips"][0]) == set(captured["payload"]["fixed_ips"][0])


def test_a_boot_follows_the_captured_order(published: dict[str, list[Received]]) -> None:
    captured = json.loads(
        shared_fixture("notifications/sequences/nova_boot.pre-epg-ostkc-01.json").read_text())
    ours = sorted((r for rs in published.values() for r in rs
                   if r.message["publisher_id"].split(".")[0] in
                   ("api", "scheduler", "conductor", "compute")
                   and r.message["payload"].get("instance_id", r.message["payload"].get(
                       "request_spec", {}).get("instance_properties", {}).get("uuid"))
                   and "delete" not in r.event_type and "shutdown" not in r.event_type),
                  key=lambda r: r.message["timestamp"])
    boot = ours[:len(captured)]
    assert [(r.event_type, r.message["publisher_id"].split(".")[0]) for r in boot] == [
        (m["event_type"], m["publisher_id"].split(".")[0]) for m in captured]
