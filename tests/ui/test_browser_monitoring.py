"""A fault made in the simulated cloud reaches an open graph: Calipso's own checks in
``calipso serve`` find it, and the node changes colour without a reload, and back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from pymongo import AsyncMongoClient

from tests.ui.conftest import DemoServe, run_demo, screenshot
from tests.ui.test_browser import drawn_graph
from tests.ui.ui_rig import DEMO, get_json

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
async def demo_serve(mongo_client: AsyncMongoClient, mongo_uri: str,
                     tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DemoServe]:
    """The demo with its own checks every 2 s once monitoring is turned on."""
    async with run_demo(mongo_client, mongo_uri, tmp_path_factory.mktemp("ui-monitored"),
                        CALIPSO_MONITORING_CHECK_INTERVAL="2") as demo:
        yield demo


async def _break(demo: DemoServe, breakage: dict[str, Any]) -> None:
    config = await demo.db.environments_config.find_one({"name": DEMO})
    auth = next(s for s in config["configuration"] if s["name"] == "OpenStack")["auth_url"]
    sim = "{0.scheme}://{0.netloc}".format(urlsplit(auth))  # the simulator's admin paths
    async with demo.http.put(f"{sim}/sim/breakage", json=breakage) as answer:
        assert answer.status == 200, await answer.text()


async def _node_status(page: Any, node: str, status: str) -> None:
    await page.wait_for_function(
        """([id, status]) => window.__calipso.cy.getElementById(id).data('status') === status""",
        arg=[node, status], timeout=60_000)


async def test_a_dead_vswitch_turns_its_vedge_red_and_back(page: Any,
                                                          demo_serve: DemoServe) -> None:
    db = demo_serve.db
    await db.environments_config.update_one({"name": DEMO},
                                            {"$set": {"enable_monitoring": True}})
    vm = await db.inventory.find_one({"environment": DEMO, "type": "instance"})
    graph = await get_json(demo_serve.http, demo_serve.url, "/graph", demo_serve.token,
                           env_name=DEMO, focal_point=vm["id"])
    vedge = next(n for n in graph["nodes"] if n["type"] == "vedge")
    await page.goto(f"{demo_serve.url}/#/env/{DEMO}/graph/{vm['id']}")
    await drawn_graph(page)
    await page.evaluate("() => { window.__notReloaded = true; }")
    await _node_status(page, vedge["id"], "OK")  # the first rounds ran

    await _break(demo_serve, {"dead": [[vm["host"], "ovs-vswitchd"]]})
    await _node_status(page, vedge["id"], "Error")
    stored = await db.inventory.find_one({"environment": DEMO, "id": vedge["object_id"]})
    assert stored["status_text"] == "ovs-vswitchd not running"
    await screenshot(page, "graph-vswitch-dead")

    await _break(demo_serve, {})
    await _node_status(page, vedge["id"], "OK")
    assert await page.evaluate("() => window.__notReloaded === true")
