"""The web UI at scale, measured in a real browser (Debian's Chromium through Playwright).

    .venv/bin/python bench/ui.py [--hosts 1000] [--instances 20000] [--networks 200]
                                 [--rounds 3] [--mongo-uri URI]

Generates the simulator's cloud of that size and writes the inventory, links and cliques
a correct scan finds (the simulator's truth) straight into the database (a scan of 1,000
hosts would take far longer and measure the scan, not the UI), runs `calipso serve` as a
child process on it, logs in and times, from the navigation to the page ready to use:

- the tree's first level, and the tree opened down to an instance by a deep link (level by
  level: the tree loads by parent) with the instance's page beside it;
- an instance's graph (its clique, laid out by dagre) ready;
- the environment overview (hosts with instance counts, networks, host-network edges)
  ready (the first time read from the database, then kept while nothing changes);
- the environments page's state shown (its counts of every object follow), twice.

Each in-app navigation (hash change, page already loaded) and, for the first, a full page
load. Prints the figures (ms; the best and the median of the rounds) and the API's answer
times of the same calls.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from bson import ObjectId
from pymongo import AsyncMongoClient

from calipso.embedded_db import EmbeddedServer, free_port
from calipso.sim import build_truth, generate, spec_from_flags

ENV = "bench-ui"
PASSWORD = "bench-ui-pw"
CHROMIUM = "/usr/bin/chromium"


def documents(truth: dict[str, list[dict]]) -> tuple[list[dict], list[dict], list[dict]]:
    """The truth as stored documents: ObjectIds for the objects, links' ends by ObjectId,
    cliques naming their nodes and links by ObjectId (as a scan stores them)."""
    objects = [o | {"_id": ObjectId(), "environment": ENV} for o in truth["objects"]]
    oid = {o["id"]: o["_id"] for o in objects}
    links = [link | {"_id": ObjectId(), "environment": ENV, "source": oid[link["source_id"]],
                     "target": oid[link["target_id"]]} for link in truth["links"]]
    link_id = {(lk["link_type"], lk["source_id"], lk["target_id"]): lk["_id"] for lk in links}
    cliques = [{"_id": ObjectId(), "environment": ENV, "focal_point": oid[c["focal_point_id"]],
                "focal_point_id": c["focal_point_id"], "focal_point_type": c["focal_point_type"],
                "clique_type": c["clique_type"], "nodes": [oid[n] for n in c["objects"]],
                "links": [link_id[tuple(k)] for k in c["links"]]} for c in truth["cliques"]]
    for obj in objects:
        if obj["type"] in ("instance", "network"):
            obj["clique"] = True
    return objects, links, cliques


async def load(db: Any, args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    cloud = generate(spec_from_flags(hosts=args.hosts, instances=args.instances,
                                     networks=args.networks, driver="ovs",
                                     type_driver="vxlan", seed=1))
    objects, links, cliques = documents(build_truth(cloud, ENV))
    for name, docs in (("inventory", objects), ("links", links), ("cliques", cliques)):
        for at in range(0, len(docs), 5000):
            await db[name].insert_many(docs[at:at + 5000], ordered=False)
    await db.environments_config.insert_one({
        "name": ENV, "type": "environment", "distribution": "Devstack",
        "distribution_version": "bench", "mechanism_drivers": ["OVS"],
        "type_drivers": "vxlan", "scanned": True, "listen": False, "configuration": []})
    vm = next(o for o in objects if o["type"] == "instance")
    print(f"loaded {len(objects):,} objects, {len(links):,} links, {len(cliques):,} cliques "
          f"in {time.perf_counter() - started:.0f} s", flush=True)
    return {"vm": vm, "objects": len(objects)}


async def start_serve(uri: str, db_name: str, port: int) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALIPSO_")}
    env.update(CALIPSO_MONGO_URI=uri, CALIPSO_DB_NAME=db_name, CALIPSO_LOG_LEVEL="WARNING",
               CALIPSO_API_BIND=f"127.0.0.1:{port}", CALIPSO_ADMIN_PASSWORD=PASSWORD,
               CALIPSO_DATA_DIR=tempfile.mkdtemp(prefix="calipso-bench-ui-"))
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "calipso"), "serve", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            try:
                async with http.get(f"http://127.0.0.1:{port}/health") as resp:
                    if resp.status == 200:
                        return proc
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    proc.kill()
    raise SystemExit("calipso serve did not come up")


async def timed_nav(page: Any, url: str, ready: str, full: bool = False) -> float:
    """ms from the navigation to ``ready`` shown and the page answering a script."""
    started = time.perf_counter()
    if full:
        await page.goto(url)
    else:
        await page.evaluate("(hash) => { location.hash = hash; }", url.split("#", 1)[1])
    await page.wait_for_selector(ready, timeout=180_000)
    await page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r(1)))")
    return (time.perf_counter() - started) * 1000


async def measure(url: str, info: dict[str, Any], rounds: int) -> dict[str, list[float]]:
    from playwright.async_api import async_playwright

    e = ENV
    cases = [
        ("tree, first level", f"{url}/#/env/{e}/tree", "ul.tree .tree-row"),
        ("tree, opened down to an instance", f"{url}/#/env/{e}/tree?sel={info['vm']['id']}",
         f"li[data-id='{info['vm']['id']}'] > .tree-row.selected"),
        ("instance graph", f"{url}/#/env/{e}/graph/{info['vm']['id']}", "#graph[data-ready]"),
        ("overview", f"{url}/#/env/{e}/overview", "#graph[data-ready]"),
    ]
    figures: dict[str, list[float]] = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = await browser.new_page(viewport={"width": 1366, "height": 800})
        await page.goto(url + "/")
        await page.get_by_label("User name").fill("admin")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        # the environments page shows each one's state at once; its counts follow (read once,
        # then kept while nothing changes); the second visit comes while the first count runs
        for label in ("environments, state shown", "environments, state shown again"):
            figures[label] = [await timed_nav(page, f"{url}/#/", "section.card")]
            await page.evaluate("() => { location.hash = '#/search'; }")
        for _ in range(rounds):
            for name, target, ready in cases:
                # from a page that loads nothing
                await page.evaluate("() => { location.hash = '#/search'; }")
                await page.wait_for_selector("text=Type a name")
                figures.setdefault(name, []).append(await timed_nav(page, target, ready))
            figures.setdefault("tree, first level (full page load)", []).append(
                await timed_nav(page, cases[0][1], cases[0][2], full=True))
        await browser.close()
    return figures


async def api_times(url: str, info: dict[str, Any]) -> dict[str, float]:
    out = {}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/auth/tokens", json={"auth": {
                "methods": ["credentials"],
                "credentials": {"username": "admin", "password": PASSWORD}}}) as answer:
            token = (await answer.json())["token"]
        for name, path, params in (
                ("GET /tree (first level)", "/tree", {"env_name": ENV}),
                ("GET /graph (an instance)", "/graph",
                 {"env_name": ENV, "focal_point": info["vm"]["id"]}),
                ("GET /overview", "/overview", {"env_name": ENV})):
            times = []
            for _ in range(3):
                started = time.perf_counter()
                async with http.get(url + path, params=params,
                                    headers={"X-Auth-Token": token}) as answer:
                    await answer.read()
                    assert answer.status == 200, answer.status
                times.append((time.perf_counter() - started) * 1000)
            out[name] = min(times)
    return out


async def run(args: argparse.Namespace) -> None:
    server = None
    uri = args.mongo_uri
    if uri is None:
        server = EmbeddedServer(Path(tempfile.mkdtemp(prefix="calipso-bench-ui-db-")))
        await server.start()
        uri = server.uri
    db_name = f"bench_ui_{os.getpid()}"
    client: AsyncMongoClient = AsyncMongoClient(uri)
    proc = None
    try:
        port = free_port()
        # serve first: its indexes are made on the empty database, as a scan would find them
        proc = await start_serve(uri, db_name, port)
        info = await load(client[db_name], args)
        url = f"http://127.0.0.1:{port}"
        for name, ms in (await api_times(url, info)).items():
            print(f"{name:38} {ms:8.0f} ms")
        for name, values in (await measure(url, info, args.rounds)).items():
            print(f"{name:38} best {min(values):6.0f} ms   median "
                  f"{statistics.median(values):6.0f} ms")
        print(f"load1 {os.getloadavg()[0]:.1f}")
    finally:
        if proc is not None:
            proc.terminate()
            await proc.wait()
        await client.drop_database(db_name)
        await client.close()
        if server is not None:
            await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--instances", type=int, default=20000)
    parser.add_argument("--networks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mongo-uri")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
