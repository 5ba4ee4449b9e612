"""``/constants``, ``/monitoring_config_templates``, ``/aggregates`` and ``/messages``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from api_client import ENV, Api

pytestmark = pytest.mark.timeout(120)


async def test_constants_by_name(api: Api) -> None:
    answer = await api.admin.get("/constants", name="link_states")
    assert answer.status == 200
    assert answer.body["name"] == "link_states"
    assert [d["value"] for d in answer.body["data"]] == ["up", "down"]
    assert len(answer.body["id"]) == 24
    assert (await api.admin.get("/constants", name="nothing")).status == 404
    assert (await api.admin.get("/constants")).body["error"]["field"] == "name"
    assert (await api.admin.get("/constants", name="a", page="1")).status == 400


async def test_monitoring_templates(api: Api) -> None:
    a = api.admin
    every = await a.get("/monitoring_config_templates")
    assert every.body["total"] > 5
    clients = await a.get("/monitoring_config_templates", side="client")
    assert {t["side"] for t in clients.body["monitoring_config_templates"]} == {"client"}
    assert set(clients.body["monitoring_config_templates"][0]) == {"id", "side", "type"}
    ordered = await a.get("/monitoring_config_templates", order="1", side="server")
    assert ordered.body["total"] >= 1
    one = ordered.body["monitoring_config_templates"][0]
    whole = await a.get("/monitoring_config_templates", id=one["id"])
    assert whole.body["type"] == one["type"] and "config" in whole.body
    typed = await a.get("/monitoring_config_templates", type=one["type"], side="server")
    assert typed.body["total"] >= 1
    assert (await a.get("/monitoring_config_templates", side="middle")).status == 400
    assert (await a.get("/monitoring_config_templates", order="first")).status == 400
    assert (await a.get("/monitoring_config_templates", id="b" * 24)).status == 404


async def seed_messages(api: Api) -> datetime:
    now = datetime.now(UTC)
    await api.db.messages.insert_many([
        {"id": f"m{i}", "environment": ENV, "source_system": "OpenStack" if i % 2 else "Sensu",
         "level": "info" if i < 3 else "error", "related_object": "vm-a",
         "related_object_type": "instance", "timestamp": now - timedelta(hours=i),
         "message": f"message {i}"} for i in range(5)])
    return now


async def test_messages(api: Api) -> None:
    await api.add_env()
    now = await seed_messages(api)
    a = api.admin
    listed = await a.get("/messages", env_name=ENV)
    assert [m["id"] for m in listed.body["messages"]] == ["m0", "m1", "m2", "m3", "m4"]
    assert set(listed.body["messages"][0]) == {"id", "environment", "source_system", "level"}
    assert (await a.get("/messages", env_name=ENV, level="error")).body["total"] == 2
    assert (await a.get("/messages", env_name=ENV, source_system="Sensu")).body["total"] == 3
    assert (await a.get("/messages", env_name=ENV, related_object="vm-a",
                        related_object_type="instance")).body["total"] == 5
    since = (now - timedelta(hours=1, minutes=30)).isoformat()
    recent = await a.get("/messages", env_name=ENV, start_time=since)
    assert [m["id"] for m in recent.body["messages"]] == ["m0", "m1"]
    until = await a.get("/messages", env_name=ENV, end_time=since)
    assert until.body["total"] == 3
    whole = await a.get("/messages", env_name=ENV, id="m3")
    assert whole.body["message"] == "message 3"
    assert (await a.get("/messages", env_name=ENV, id="m9")).status == 404
    for params, field in (({"level": "loud"}, "level"), ({"start_time": "noon"}, "start_time"),
                          ({"related_object_type": "planet"}, "related_object_type"),
                          ({"source_system": "Mars"}, "source_system")):
        answer = await a.get("/messages", env_name=ENV, **params)
        assert answer.status == 400 and answer.body["error"]["field"] == field
    assert (await a.get("/messages", env_name="Nowhere")).status == 404


async def test_aggregates(api: Api) -> None:
    await api.add_env()
    await seed_messages(api)
    await api.db.inventory.insert_many([
        {"environment": ENV, "id": f"o{i}", "type": "otep" if i < 3 else "instance"}
        for i in range(5)])
    a = api.admin
    env = await a.get("/aggregates", type="environment", env_name=ENV)
    assert env.body == {"type": "environment", "env_name": ENV,
                        "aggregates": {"object_types": {"otep": 3, "instance": 2}}}
    messages = await a.get("/aggregates", type="message")
    assert messages.body == {"type": "message", "aggregates": {
        "levels": {"info": 3, "error": 2}, "environments": {ENV: 5}}}
    constants = await a.get("/aggregates", type="constant")
    assert constants.body["aggregates"]["names"]["link_states"] == 2
    assert (await a.get("/aggregates")).body["error"]["field"] == "type"
    assert (await a.get("/aggregates", type="planet")).status == 400
    # without env_name: every environment's objects
    assert (await a.get("/aggregates", type="environment")).body["aggregates"] == {
        "object_types": {"otep": 3, "instance": 2}}
    assert (await a.get("/aggregates", type="environment", env_name="Nowhere")).status == 404
