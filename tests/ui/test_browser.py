"""The UI in a real browser against ``calipso serve --demo``: what an operator does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from calipso.inventory.statuses import Status, set_object_status
from tests.ui.conftest import DemoServe, screenshot
from tests.ui.ui_rig import DEMO, get_json

pytestmark = pytest.mark.timeout(180)


async def test_log_in_and_go_down_the_tree_to_a_vnic(page: Any, demo_serve: DemoServe) -> None:
    vnic = await demo_serve.db.inventory.find_one(
        {"environment": DEMO, "type": "vnic", "vnic_type": "instance_vnic"})
    await screenshot(page, "environments")
    await page.locator("section.card[data-env=demo]").get_by_role("link", name="Tree").click()
    await page.wait_for_selector("ul.tree .tree-row")
    # Regions, RegionOne, Availability Zones, nova, the host, Instances, the VM, vNICs, the vNIC
    for ident in vnic["id_path"].split("/")[2:]:
        await page.locator(f"li[data-id='{ident}'] > button").click()
    detail = page.locator("section.detail")
    await detail.locator(f"dd[data-field=mac_address]:text-is('{vnic['mac_address']}')").wait_for()
    assert "sel=" in page.url  # the selection is a deep link
    await screenshot(page, "tree-vnic")
    await page.goto(page.url)
    await detail.locator(f"dd[data-field=mac_address]:text-is('{vnic['mac_address']}')").wait_for()


async def drawn_graph(tab: Any) -> tuple[set[str], set[tuple[str, str]]]:
    await tab.wait_for_selector("#graph[data-ready]")
    nodes, edges = await tab.evaluate("""() => { const cy = window.__calipso.cy;
        return [cy.nodes().map(n => n.id()), cy.edges().map(e => [e.source().id(),
                                                                   e.target().id()])]; }""")
    return set(nodes), {(s, t) for s, t in edges}


async def test_an_instance_graph_draws_its_clique(page: Any, demo_serve: DemoServe) -> None:
    vm = await demo_serve.db.inventory.find_one({"environment": DEMO, "type": "instance"})
    await page.goto(f"{demo_serve.url}/#/env/{DEMO}/graph/{vm['id']}")
    nodes, edges = await drawn_graph(page)
    graph = await get_json(demo_serve.http, demo_serve.url, "/graph", demo_serve.token,
                           env_name=DEMO, focal_point=vm["id"])
    assert nodes == {n["id"] for n in graph["nodes"]}
    assert edges == {(e["source"], e["target"]) for e in graph["edges"]}
    assert {"instance", "vnic", "vconnector", "vedge", "otep"} <= {
        n["type"] for n in graph["nodes"]}
    await screenshot(page, "graph-instance")
    async with page.expect_download() as download:
        await page.get_by_role("button", name="SVG").click()
    drawing = (await (await download.value).path()).read_text()
    assert drawing.startswith("<svg") and f">{vm['name']}<" in drawing
    assert drawing.count("<text") >= len(graph["nodes"])  # every node has its label
    # re-centre on the network: the graph around it
    net = next(n for n in graph["nodes"] if n["type"] == "network")
    await page.evaluate("(id) => { window.__calipso.cy.getElementById(id).emit('dbltap'); }",
                        net["id"])
    await page.wait_for_function("(id) => location.hash.endsWith('/graph/' + id)",
                                 arg=net["object_id"])
    nodes, _ = await drawn_graph(page)
    assert net["id"] in nodes


async def test_search_by_mac_finds_the_instance(page: Any, demo_serve: DemoServe) -> None:
    vm = await demo_serve.db.inventory.find_one({"environment": DEMO, "type": "instance"})
    await page.keyboard.press("/")
    await page.keyboard.type(vm["mac_address"])
    await page.keyboard.press("Enter")
    row = page.locator("table.results tr", has_text=vm["name"]).first
    await row.get_by_role("link", name=vm["name"], exact=True).click()
    await page.locator(f"dd[data-field=mac_address]:text-is('{vm['mac_address']}')").wait_for()
    await screenshot(page, "search-mac")


async def _nova(http: aiohttp.ClientSession, config: dict[str, Any]) -> tuple[str, str]:
    """The simulated cloud's compute endpoint and a token, as any OpenStack client gets them."""
    os_ = next(s for s in config["configuration"] if s["name"] == "OpenStack")
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": os_["user"], "domain": {"id": "default"}, "password": os_["pwd"]}}},
        "scope": {"project": {"name": os_["admin_project"], "domain": {"id": "default"}}}}}
    async with http.post(os_["auth_url"] + "/auth/tokens", json=body) as answer:
        assert answer.status == 201, await answer.text()
        tok = answer.headers["X-Subject-Token"]
        catalog = (await answer.json())["token"]["catalog"]
    compute = next(s for s in catalog if s["type"] == "compute")
    url = next(e["url"] for e in compute["endpoints"] if e["interface"] == "public")
    return url, tok


async def test_a_deleted_instance_leaves_the_open_tree_and_a_status_recolours_it_live(
        page: Any, demo_serve: DemoServe) -> None:
    db = demo_serve.db
    vm = await db.inventory.find_one({"environment": DEMO, "type": "instance"})
    sibling = await db.inventory.find_one({"environment": DEMO, "type": "instance",
                                           "parent_id": vm["parent_id"],
                                           "_id": {"$ne": vm["_id"]}})
    await page.goto(f"{demo_serve.url}/#/env/{DEMO}/tree?sel={vm['id']}")
    row = page.locator(f"li[data-oid='{vm['_id']}']")
    await row.wait_for()
    # the page has loaded all it shows (the tree, then the object beside it): a change
    # made now is one the page must learn of, not one an answer still on its way holds
    await page.locator(f"section.detail dd[data-field=id]:text-is('{vm['id']}')").wait_for()
    await page.evaluate("() => { window.__notReloaded = true; }")

    # monitoring's write path sets a status: the dot turns red where it is shown
    other = page.locator(f"li[data-oid='{sibling['_id']}'] > button")
    await set_object_status(db, DEMO, sibling["id"], Status.Error, "ping lost",
                            datetime.now(UTC))
    await other.locator(".dot.status-Error").wait_for()
    assert "changed" in (await other.get_attribute("class") or "")
    await screenshot(page, "tree-status-error")

    # the instance is deleted in the cloud and a scan runs: it leaves the tree
    config = await db.environments_config.find_one({"name": DEMO})
    nova, tok = await _nova(demo_serve.http, config)
    async with demo_serve.http.delete(f"{nova}/servers/{vm['id']}",
                                      headers={"X-Auth-Token": tok}) as answer:
        assert answer.status == 204, await answer.text()
    async with demo_serve.http.post(f"{demo_serve.url}/scans", json={"environment": DEMO},
                                    headers={"X-Auth-Token": demo_serve.token}) as answer:
        assert answer.status == 201, await answer.text()
    await row.wait_for(state="detached", timeout=60_000)
    assert await page.evaluate("() => window.__notReloaded === true")
    await screenshot(page, "tree-after-delete")


async def test_a_status_change_recolours_the_open_graph(page: Any,
                                                         demo_serve: DemoServe) -> None:
    vm = await demo_serve.db.inventory.find_one({"environment": DEMO, "type": "instance",
                                                 "status": {"$exists": False}})
    await page.goto(f"{demo_serve.url}/#/env/{DEMO}/graph/{vm['id']}")
    await drawn_graph(page)
    graph = await get_json(demo_serve.http, demo_serve.url, "/graph", demo_serve.token,
                           env_name=DEMO, focal_point=vm["id"])
    vedge = next(n for n in graph["nodes"] if n["type"] == "vedge")
    await set_object_status(demo_serve.db, DEMO, vedge["object_id"], Status.Warning,
                            "flows dropped", datetime.now(UTC))
    await page.wait_for_function(
        """(id) => { const n = window.__calipso.cy.getElementById(id);
                     return n.data('status') === 'Warning' && n.hasClass('changed'); }""",
        arg=vedge["id"])
    colour = await page.evaluate(
        "(id) => window.__calipso.cy.getElementById(id).style('background-color')", vedge["id"])
    assert colour == "rgb(224,161,0)"
    await screenshot(page, "graph-status-warning")
