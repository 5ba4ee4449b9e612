"""Agents and Nova services in the simulator: an admin's change publishes what Neutron and
Nova publish, a dead process stops a heartbeat silently, and the listings show both."""

from __future__ import annotations

import json

from shared_fixtures import shared_fixture
from test_sim_amqp import after, make_cloud, sim_channel

from calipso.sim.amqp.nova_payloads import service_status
from calipso.sim.api.neutron_views import agent_view
from calipso.sim.api.nova_views import service_view, zones_detail


def _dhcp_and_compute(cloud):  # type: ignore[no-untyped-def]
    dhcp = next(a for a in cloud.agents.values() if a.binary == "neutron-dhcp-agent")
    return dhcp, cloud.compute_hosts()[0]


async def test_agent_update_and_delete_publish_neutrons_pairs() -> None:
    cloud = make_cloud()
    dhcp, _ = _dhcp_and_compute(cloud)
    async with sim_channel(cloud) as (amqp, cons):
        got = await after(amqp, cons, lambda: cloud.update_agent(
            dhcp.id, admin_state_up=False, description="drain"))
        assert [r.event_type for r in got] == ["agent.update.start", "agent.update.end"]
        assert got[0].message["payload"] == {
            "agent": {"admin_state_up": False, "description": "drain"}, "id": dhcp.id}
        view = got[1].message["payload"]["agent"]
        assert (view["id"], view["admin_state_up"], view["description"]) == (
            dhcp.id, False, "drain")
        assert view["configurations"] == cloud.agent_configurations(dhcp.id)

        got = await after(amqp, cons, lambda: cloud.delete_agent(dhcp.id))
        assert [r.event_type for r in got] == ["agent.delete.start", "agent.delete.end"]
        assert got[1].message["payload"]["agent_id"] == dhcp.id
        assert got[1].message["payload"]["agent"]["host"] == dhcp.host
        assert dhcp.id not in cloud.agents and dhcp not in cloud.agents_on_host(dhcp.host)


async def test_a_dead_process_stops_its_heartbeat_without_a_notification() -> None:
    cloud = make_cloud()
    _, host = _dhcp_and_compute(cloud)
    l2 = cloud.agents_on_host(host.name)[0]
    async with sim_channel(cloud, versioned=True) as (amqp, cons):
        got = await after(amqp, cons, lambda: cloud.set_heartbeats(
            {(host.name, l2.binary), (host.name, "nova-compute")}))
        assert got == []
        assert agent_view(cloud, cloud.agents[l2.id])["alive"] is False
        zone = next(z for z in zones_detail(cloud) if z["zoneName"] == host.availability_zone)
        assert zone["hosts"][host.name]["nova-compute"]["available"] is False
        assert service_view(cloud, 1, host, "nova-compute", (2, 53))["state"] == "down"
        assert await after(amqp, cons, lambda: cloud.set_heartbeats(set())) == []
        assert cloud.agents[l2.id].alive is True and cloud.service_states == {}


async def test_a_service_update_publishes_the_versioned_service_update() -> None:
    cloud = make_cloud()
    _, host = _dhcp_and_compute(cloud)
    async with sim_channel(cloud, versioned=True) as (amqp, cons):
        got = await after(amqp, cons, lambda: cloud.update_service(
            host.name, "nova-compute", forced_down=True))
        assert [r.event_type for r in got] == ["service.update"]
        data = got[0].message["payload"]["nova_object.data"]
        assert (data["host"], data["binary"], data["forced_down"]) == (
            host.name, "nova-compute", True)
        assert got[0].message["publisher_id"] == f"nova-compute:{host.name}"
        await after(amqp, cons, lambda: cloud.update_service(
            host.name, "nova-compute", disabled=True, disabled_reason="maintenance"))
        listed = {z["zoneName"]: z for z in zones_detail(cloud)}
        # Nova lists a disabled service in no zone
        assert all(host.name not in (z["hosts"] or {}) or
                   "nova-compute" not in z["hosts"][host.name] for z in listed.values())
        view = service_view(cloud, 1, host, "nova-compute", (2, 53))
        assert (view["status"], view["disabled_reason"], view["forced_down"]) == (
            "disabled", "maintenance", True)
    async with sim_channel(cloud) as (amqp, cons):  # legacy only: Nova sends none
        assert await after(amqp, cons, lambda: cloud.update_service(
            host.name, "nova-compute", disabled=False)) == []


def test_the_service_payload_has_the_captured_keys() -> None:
    messages = json.loads(shared_fixture(
        "current-openstack/ovs/notifications/versioned_notifications.info.json").read_text())
    inner = [json.loads(m["oslo.message"]) for m in messages]
    captured = next(m for m in inner if m["event_type"] == "service.create")["payload"]
    cloud = make_cloud()
    _, host = _dhcp_and_compute(cloud)
    ours = service_status(cloud.service_state(host.name, "nova-compute"), "nova", "u")
    assert set(ours) == set(captured)
    assert set(ours["nova_object.data"]) == set(captured["nova_object.data"])
    assert ours["nova_object.version"] == captured["nova_object.version"]
