"""The UI's data endpoints and its live stream, against the demo cloud in the service."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aiohttp
import pytest

from calipso.inventory.statuses import Status, set_object_status
from tests.ui.ui_rig import DEMO, PASSWORD, LiveStream, get_json, token, wait_for_scan

pytestmark = pytest.mark.timeout(180)


async def test_the_page_and_its_files_are_served_without_credentials(start_service) -> None:
    async with start_service(CALIPSO_ADMIN_PASSWORD=PASSWORD) as svc, \
            aiohttp.ClientSession() as http:
        async with http.get(f"{svc.url}/") as page:
            assert page.status == 200 and page.content_type == "text/html"
            text = await page.text()
        assert '<script src="/ui/app.js">' in text and "http" not in text.replace(
            "http-equiv", "")
        for name, kind in (("app.js", "text/javascript"), ("app.css", "text/css")):
            async with http.get(f"{svc.url}/ui/{name}") as asset:
                assert asset.status == 200 and asset.content_type == kind
                assert len(await asset.read()) > 1000
        async with http.get(f"{svc.url}/ui/../calipso/settings.py") as other:
            assert other.status == 404
        for path in ("/tree?env_name=demo", "/overview?env_name=demo", "/environments",
                     "/live"):
            async with http.get(f"{svc.url}{path}") as closed:
                assert closed.status == 401, path


async def test_tree_overview_and_environments_tell_the_demo_cloud(start_service) -> None:
    async with start_service(demo=True, CALIPSO_ADMIN_PASSWORD=PASSWORD,
                             CALIPSO_SCAN_POLL_INTERVAL="0.2") as svc, \
            aiohttp.ClientSession() as http:
        db = svc.ctx.database.db
        await wait_for_scan(db)
        tok = await token(http, svc.url)
        top = await get_json(http, svc.url, "/tree", tok, env_name=DEMO)
        assert {(c["name"], c["type"], c["children"]) for c in top["children"]} == {
            ("Projects", "projects_folder", 3), ("Regions", "regions_folder", 1)}
        # down the tree, one level at a time, to a vNIC of an instance
        host = await db.inventory.find_one({"environment": DEMO, "type": "instance"})
        ids = host["id_path"].split("/")[2:]
        parent = None
        for depth, ident in enumerate(ids):
            level = await get_json(http, svc.url, "/tree", tok, env_name=DEMO,
                                   **({"parent_id": parent} if parent else {}))
            found = [c for c in level["children"] if c["id"] == ident]
            assert found, (depth, ident)
            expected = await db.inventory.count_documents({"environment": DEMO,
                                                           "parent_id": ident})
            assert found[0]["children"] == expected
            parent = ident
        vnics_folder = await get_json(http, svc.url, "/tree", tok, env_name=DEMO,
                                      parent_id=parent)
        folder = vnics_folder["children"][0]
        assert folder["type"] == "vnics_folder"
        vnics = await get_json(http, svc.url, "/tree", tok, env_name=DEMO,
                               parent_id=folder["id"])
        assert vnics["children"] and all(v["type"] == "vnic" for v in vnics["children"])

        overview = await get_json(http, svc.url, "/overview", tok, env_name=DEMO)
        hosts = {n["object_id"]: n["count"] for n in overview["nodes"] if n["type"] == "host"}
        for name, count in hosts.items():
            assert count == await db.inventory.count_documents(
                {"environment": DEMO, "type": "instance", "host": name})
        assert sum(hosts.values()) == 12
        assert sum(n["type"] == "network" for n in overview["nodes"]) == 4
        tunnels = [e for e in overview["edges"] if e["kind"] == "tunnel"]
        node_of = {n["id"]: n["object_id"] for n in overview["nodes"]}
        tunnelled = {node_of[end] for t in tunnels for end in (t["source"], t["target"])}
        # every compute reaches the network node (node-1) through a tunnel
        assert overview["tunnels_drawn"] and tunnelled == set(hosts)
        assert all(t["source"] != t["target"] for t in tunnels)
        busy = max(hosts, key=lambda name: hosts[name])
        expanded = await get_json(http, svc.url, "/overview", tok, env_name=DEMO, host=busy)
        assert sum(n["type"] == "instance" for n in expanded["nodes"]) == hosts[busy]

        envs = (await get_json(http, svc.url, "/environments", tok))["environments"]
        demo = next(e for e in envs if e["name"] == DEMO)
        assert demo["state"]["scanned"] is True and demo["types"]["instance"] == 12
        assert demo["latest_scan"]["status"] == "completed"
        async with http.get(f"{svc.url}/tree", params={"env_name": "nowhere"},
                            headers={"X-Auth-Token": tok}) as unknown:
            assert unknown.status == 404


@pytest.mark.parametrize("source", ["auto", "poll"])
async def test_a_status_set_anywhere_reaches_an_open_stream(start_service, source) -> None:
    """The status is written by this test, not by the serving process: the stream tells
    what any process sharing the database changed."""
    async with start_service(CALIPSO_ADMIN_PASSWORD=PASSWORD, CALIPSO_UI_CHANGES=source,
                             CALIPSO_UI_POLL_INTERVAL="0.2") as svc, \
            aiohttp.ClientSession() as http:
        db = svc.ctx.database.db
        vm = {"environment": DEMO, "id": "vm-1", "type": "instance", "name": "vm-1",
              "parent_id": "node-1-instances", "last_scanned": datetime.now(UTC)}
        await db.inventory.insert_one(vm)
        tok = await token(http, svc.url)
        async with http.get(f"{svc.url}/live", headers={"X-Auth-Token": tok}) as answer:
            assert answer.content_type == "text/event-stream"
            live = LiveStream(answer)
            kind, hello = await live.next_event()
            assert kind == "hello"
            assert hello["mode"] == ("change-stream" if source == "auto" else "polling")
            await asyncio.sleep(0.5)  # the poller's first look is its baseline
            await set_object_status(db, DEMO, vm["id"], Status.Error, "ping lost",
                                    datetime.now(UTC))
            change = await live.until(lambda c: c.get("object_id") == str(vm["_id"])
                                      and c.get("status") is not None)
            assert change["status"] == "Error" and change["kind"] == "object"
            assert change["parent_id"] == "node-1-instances"
            await db.inventory.delete_one({"_id": vm["_id"]})
            gone = await live.until(lambda c: c.get("op") in ("delete", "count"))
            assert gone.get("object_id", str(vm["_id"])) == str(vm["_id"])
