"""POST /monitoring/results: Sensu Go events and Sensu classic results become statuses
and messages; bad input is recorded and answered 400; the token guards each environment."""

from __future__ import annotations

from typing import Any

import aiohttp
import topology as t

from calipso.monitoring.check_names import link_check_name, object_check_name, otep_check_name


async def _post(http: aiohttp.ClientSession, url: str, body: Any, *, env: str = t.ENV,
                token: str | None = t.TOKEN) -> tuple[int, Any]:
    headers = {"X-Monitoring-Token": token} if token else {}
    async with http.post(f"{url}/monitoring/results", params={"env_name": env},
                         json=body, headers=headers) as resp:
        return resp.status, await resp.json()


async def _status(db, object_id: str) -> dict[str, Any]:
    return await db.inventory.find_one({"environment": t.ENV, "id": object_id},
                                       {"_id": 0, "status": 1, "status_value": 1,
                                        "status_text": 1, "status_timestamp": 1})


async def test_results_for_every_object_type_and_link_set_statuses(start_service, db) -> None:
    await t.load(db)
    await db.environments_config.insert_one(t.env_doc())
    async with start_service() as svc, aiohttp.ClientSession() as http:
        for i, (kind, object_id) in enumerate(t.OBJECTS):
            if kind == "otep":
                continue
            event = (t.go_event if i % 2 else t.classic_result)(
                object_check_name(kind, object_id), i % 3, f"{kind} says {i % 3}")
            assert await _post(http, svc.url, event) == (200, {
                "applied": 1, "changed": 1, "unknown": 0, "bad": 0})
        for kind, object_id in t.OBJECTS:
            if kind != "otep":
                i = t.OBJECTS.index((kind, object_id))
                got = await _status(db, object_id)
                assert (got["status_value"], got["status_text"]) == (i % 3, f"{kind} says {i % 3}")
                assert got["status"] == ("OK", "Warning", "Error")[i % 3]
        name = link_check_name("vnic-vconnector", t.VNIC, t.BRIDGE)
        assert (await _post(http, svc.url, t.go_event(name, 1, "mac not found")))[0] == 200
        link = await db.links.find_one({"link_type": "vnic-vconnector"})
        assert (link["status"], link["status_text"]) == ("Warning", "mac not found")
    messages = [m async for m in db.messages.find({"source_system": "Sensu"})]
    assert len(messages) == len(t.OBJECTS) - 1 + 1  # one per change: objects, the link
    derived = await db.messages.find_one({"source_system": "Calipso"})
    assert derived["related_object_type"] == "link_vedge-host_pnic"  # both ends now known
    vnic_msg = next(m for m in messages if m["related_object"] == t.VNIC)
    assert vnic_msg["related_object_type"] == "vnic" and vnic_msg["environment"] == t.ENV


async def test_an_unchanged_status_only_refreshes_the_timestamp(start_service, db) -> None:
    await t.load(db)
    await db.environments_config.insert_one(t.env_doc())
    name = object_check_name("vservice", t.VSERVICE)
    async with start_service() as svc, aiohttp.ClientSession() as http:
        assert (await _post(http, svc.url, t.go_event(name, 2, "no dnsmasq", 1.8e9)))[1][
            "changed"] == 1
        first = await _status(db, t.VSERVICE)
        status, answer = await _post(http, svc.url, t.go_event(name, 2, "still none", 1.8e9 + 15))
        assert (status, answer["changed"], answer["applied"]) == (200, 0, 1)
        second = await _status(db, t.VSERVICE)
        assert second["status_timestamp"] > first["status_timestamp"]
        assert second["status_text"] == "no dnsmasq"
        assert (await _post(http, svc.url, t.go_event(name, 0, "ok", 1.8e9 + 30)))[1][
            "changed"] == 1
    levels = [m["level"] async for m in db.messages.find({"related_object": t.VSERVICE})
              .sort("timestamp", 1)]
    assert levels == ["error", "info"]
    # history keeps the two changes, not the repeat, each naming the check that said it
    revisions = [(r["fields"]["status"]["new"], r["by"]) async for r in db.revisions.find(
        {"kind": "object", "key": t.VSERVICE, "change": "status"}).sort("at", 1)]
    assert revisions == [("Error", {"by": "monitoring", "check": name}),
                         ("OK", {"by": "monitoring", "check": name})]


async def test_otep_status_follows_its_tunnel_ports(start_service, db) -> None:
    await t.load(db)
    await db.environments_config.insert_one(t.env_doc())
    a, b = (otep_check_name(t.OTEP, p) for p in ("vxlan-0a010002", "vxlan-0a010003"))
    async with start_service() as svc, aiohttp.ClientSession() as http:
        await _post(http, svc.url, {"results": [t.classic_result(a, 0), t.classic_result(b, 2)]})
        otep = await db.inventory.find_one({"id": t.OTEP})
        assert otep["status"] == "Warning"
        assert otep["tunnel_statuses"]["vxlan-0a010003"]["status"] == "Error"
        await _post(http, svc.url, t.classic_result(a, 2, executed=1.8e9 + 1))
        assert (await _status(db, t.OTEP))["status"] == "Error"
        await _post(http, svc.url, {"results": [t.classic_result(a, 0, executed=1.8e9 + 2),
                                                t.classic_result(b, 0, executed=1.8e9 + 2)]})
        assert (await _status(db, t.OTEP))["status"] == "OK"


async def test_vedge_pnic_link_status_comes_from_both_ends(start_service, db) -> None:
    await t.load(db)
    await db.environments_config.insert_one(t.env_doc())
    vedge, pnic = object_check_name("vedge", t.VEDGE), object_check_name("host_pnic", t.PNIC)

    async def link_status() -> str | None:
        return (await db.links.find_one({"link_type": "vedge-host_pnic"})).get("status")

    async with start_service() as svc, aiohttp.ClientSession() as http:
        await _post(http, svc.url, t.go_event(vedge, 0))
        assert await link_status() is None  # one end alone says nothing
        await _post(http, svc.url, t.go_event(pnic, 0))
        assert await link_status() == "OK"
        await _post(http, svc.url, t.go_event(pnic, 2, "link down", 1.8e9 + 5))
        assert await link_status() == "Warning"


async def test_unknown_objects_and_bad_input_are_recorded_never_5xx(start_service, db) -> None:
    await t.load(db)
    await db.environments_config.insert_one(t.env_doc())
    async with start_service() as svc, aiohttp.ClientSession() as http:
        status, answer = await _post(http, svc.url, t.go_event("vnic_no-such-vnic", 2))
        assert (status, answer["unknown"], answer["applied"]) == (200, 1, 0)
        status, answer = await _post(http, svc.url, t.go_event("frobnicator_x", 2))
        assert (status, answer["bad"]) == (200, 1)
        for body in ({"check": {"name": "x"}}, {"entity": {}, "check": {}},
                     {"client": "h", "check": {"name": "vnic_x", "status": "two"}},
                     {"results": []}):
            status, answer = await _post(http, svc.url, body)
            assert status == 400, body
            assert answer["error"]["field"]
        async with http.post(f"{svc.url}/monitoring/results", params={"env_name": t.ENV},
                             data=b"{not json", headers={"X-Monitoring-Token": t.TOKEN}) as r:
            assert r.status == 400
    unknown = await db.messages.find_one({"check": "vnic_no-such-vnic"})
    assert "no such vnic" in unknown["message"]
    rejected = [m async for m in db.messages.find(
        {"message": {"$regex": "^check result rejected"}})]
    assert len(rejected) == 4 and all(m["body"] for m in rejected)


async def test_the_token_guards_each_environment_and_never_shows(start_service, db) -> None:
    await t.load(db)
    await db.environments_config.insert_one(t.env_doc())
    await db.environments_config.insert_one(t.env_doc("other", results_token="x" * 20))
    event = t.go_event(object_check_name("vedge", t.VEDGE), 2)
    async with start_service(CALIPSO_AUTH="none") as svc, aiohttp.ClientSession() as http:
        assert (await _post(http, svc.url, event, token=None))[0] == 401
        assert (await _post(http, svc.url, event, token="wrong-token-123456"))[0] == 401
        assert (await _post(http, svc.url, event, env="other"))[0] == 401
        assert (await _post(http, svc.url, event, env="nowhere"))[0] == 401
        async with http.post(f"{svc.url}/monitoring/results", params={"env_name": t.ENV},
                             json=event, headers={"Authorization": f"Bearer {t.TOKEN}"}) as r:
            assert r.status == 200
        async with http.get(f"{svc.url}/environment_configs",
                            params={"name": t.ENV}) as resp:
            text = await resp.text()
        assert resp.status == 200 and t.TOKEN not in text
    assert (await _status(db, t.VEDGE))["status"] == "Error"
