"""``/scans`` (submit, read, cancel) and ``/scheduled_scans`` (create, read, replace, delete)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from api_client import ENV, Api
from shared_fixtures import shared_fixture

pytestmark = pytest.mark.timeout(120)



def sample(name: str) -> dict:
    return json.loads(shared_fixture(f"inventory/calipso_api/{name}").read_text())


def _without_ignored(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("log_level", "inventory")}


async def test_submit_read_and_cancel_a_scan(api: Api) -> None:
    await api.add_env()
    a = api.admin
    original = sample("POST_scans.request.json")
    # the original's log_level and inventory did nothing: they are refused, not ignored
    assert (await a.post("/scans", original)).status == 400
    created = await a.post("/scans", _without_ignored(original))
    assert created.status == 201
    assert created.body["message"] == f"created a new scan for environment {ENV}"
    ident = created.body["id"]
    stored = await api.db.scans.find_one({})
    assert stored["status"] == "pending" and stored["object_id"] == "ff"
    assert stored["submit_timestamp"] <= datetime.now(UTC)
    listed = await a.get("/scans", env_name=ENV)
    assert listed.body["scans"] == [{"id": ident, "environment": ENV, "status": "pending"}]
    assert (await a.get("/scans", env_name=ENV, base_object="ff")).body["total"] == 1
    assert (await a.get("/scans", env_name=ENV, status="running")).body["total"] == 0
    whole = await a.get("/scans", env_name=ENV, id=ident)
    assert whole.body["clear"] is True

    cancelled = await a.post(f"/scans/{ident}/cancel", {})
    assert cancelled.status == 200 and cancelled.body["status"] == "aborted"
    assert (await api.db.scans.find_one({}))["status"] == "aborted"
    again = await a.post(f"/scans/{ident}/cancel", {})
    assert again.status == 409 and "aborted" in again.body["error"]["message"]
    assert (await a.post(f"/scans/{'0' * 24}/cancel", {})).status == 404
    assert (await a.post("/scans/xyz/cancel", {})).status == 400


async def test_a_running_scan_can_be_cancelled_a_finished_one_not(api: Api) -> None:
    await api.add_env()
    running = await api.db.scans.insert_one({"environment": ENV, "status": "running"})
    done = await api.db.scans.insert_one({"environment": ENV, "status": "completed"})
    assert (await api.admin.post(f"/scans/{running.inserted_id}/cancel", {})).status == 200
    assert (await api.admin.post(f"/scans/{done.inserted_id}/cancel", {})).status == 409


@pytest.mark.parametrize(("change", "field"), [
    ({"environment": None}, "environment"),
    ({"status": "completed"}, "status"),
    ({"status": "submitted"}, "status"),
    ({"log_level": "loud"}, "log_level"),
    ({"clear": "sometimes"}, "clear"),
    ({"scan_only_links": True}, "scan_only_links"),
    ({"colour": "red"}, "colour"),
])
async def test_invalid_scan_requests_are_400(api: Api, change: dict, field: str) -> None:
    await api.add_env()
    body = {k: v for k, v in (_without_ignored(sample("POST_scans.request.json")) | change
                              ).items() if v is not None}
    answer = await api.admin.post("/scans", body)
    assert answer.status == 400
    assert answer.body["error"]["field"] == field


async def test_scan_only_flags_count_when_true(api: Api) -> None:
    await api.add_env()
    body = {"environment": ENV, "status": "pending", "scan_only_inventory": False,
            "scan_only_links": True, "scan_only_cliques": False}
    assert (await api.admin.post("/scans", body)).status == 201


async def test_scan_query_errors(api: Api) -> None:
    assert (await api.admin.get("/scans")).body["error"]["field"] == "env_name"
    assert (await api.admin.get("/scans", env_name=ENV, status="x")).status == 400
    assert (await api.admin.get("/scans", env_name="Nowhere")).status == 404
    await api.add_env()
    assert (await api.admin.get("/scans", env_name=ENV, id="a" * 24)).status == 404


async def test_schedules_lifecycle(api: Api) -> None:
    await api.add_env()
    a = api.admin
    created = await a.post("/scheduled_scans", sample("POST_scheduled_scans.request.json"))
    assert created.status == 201
    ident = created.body["id"]
    stored = await api.db.scheduled_scans.find_one({})
    assert stored["freq"] == "WEEKLY"
    assert stored["submit_timestamp"] == datetime(2017, 7, 24, 12, 45, 3, 784000, UTC)
    assert stored["scheduled_timestamp"] <= datetime.now(UTC)  # due at once
    for key in ("environment", "env_name"):
        listed = await a.get("/scheduled_scans", **{key: ENV})
        assert [s["id"] for s in listed.body["scheduled_scans"]] == [ident]
        assert set(listed.body["scheduled_scans"][0]) == {
            "id", "environment", "scheduled_timestamp", "freq"}
    assert (await a.get("/scheduled_scans", environment=ENV, freq="DAILY")).body["total"] == 0
    whole = await a.get("/scheduled_scans", environment=ENV, id=ident)
    assert whole.body["freq"] == "WEEKLY"

    replaced = await a.put(f"/scheduled_scans/{ident}", {
        "environment": ENV, "freq": "DAILY", "scan_only_inventory": True,
        "scheduled_timestamp": "2030-01-01T00:00:00+00:00"})
    assert replaced.status == 200
    stored = await api.db.scheduled_scans.find_one({})
    assert stored["freq"] == "DAILY" and stored["scan_only_inventory"] is True
    assert stored["scheduled_timestamp"] == datetime(2030, 1, 1, tzinfo=UTC)
    assert (await a.delete(f"/scheduled_scans/{ident}")).status == 200
    assert (await a.delete(f"/scheduled_scans/{ident}")).status == 404
    assert (await a.put(f"/scheduled_scans/{ident}", {"environment": ENV, "freq": "DAILY"})
            ).status == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"environment": ENV}, "freq"),
    ({"environment": ENV, "freq": "FORTNIGHTLY"}, "freq"),
    ({"environment": ENV, "freq": "DAILY", "submit_timestamp": "yesterday"},
     "submit_timestamp"),
    ({"environment": ENV, "freq": "DAILY", "scan_only_links": True,
      "scan_only_cliques": True}, "scan_only_cliques"),
])
async def test_invalid_schedules_are_400(api: Api, body: dict, field: str) -> None:
    await api.add_env()
    answer = await api.admin.post("/scheduled_scans", body)
    assert answer.status == 400
    assert answer.body["error"]["field"] == field


async def test_schedule_query_errors(api: Api) -> None:
    a = api.admin
    assert (await a.get("/scheduled_scans")).body["total"] == 0  # every environment's
    await api.add_env()
    both = await a.get("/scheduled_scans", environment=ENV, env_name="B")
    assert both.status == 200 and both.body["total"] == 0  # two names match nothing
    nowhere = await a.get("/scheduled_scans", environment="Nowhere")
    assert nowhere.status == 404 and nowhere.body["error"]["field"] == "environment"
    for path, body in (("/scans", {"environment": "Nowhere"}),
                       ("/scheduled_scans", {"environment": "Nowhere", "freq": "DAILY"})):
        answer = await a.post(path, body)
        assert answer.status == 404 and answer.body["error"]["field"] == "environment"
