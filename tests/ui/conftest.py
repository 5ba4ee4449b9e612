"""The browser tests' rig: ``calipso serve --demo`` run as a command on this session's
database, and Debian's Chromium driven by Playwright (skipped, saying why, without them).
Screenshots go to ``test-output/ui/`` at the repository's top (ignored by git)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.conftest import REPO_ROOT
from tests.ui.ui_rig import PASSWORD, token, wait_for_scan

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO_ROOT / "test-output" / "ui"


@dataclass(slots=True)
class DemoServe:
    url: str
    db: AsyncDatabase
    token: str
    http: aiohttp.ClientSession


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def run_demo(mongo_client: AsyncMongoClient, mongo_uri: str, data: Path,
                   **settings: str) -> AsyncIterator[DemoServe]:
    """``calipso serve --demo`` as a command on a database of its own, with ``settings``."""
    name = f"ui_{uuid.uuid4().hex[:10]}"
    port = _free_port()
    env = os.environ | {"CALIPSO_MONGO_URI": mongo_uri, "CALIPSO_DB_NAME": name,
                        "CALIPSO_DATA_DIR": str(data), "CALIPSO_API_BIND": f"127.0.0.1:{port}",
                        "CALIPSO_ADMIN_PASSWORD": PASSWORD, "CALIPSO_SCAN_POLL_INTERVAL": "0.2",
                        **settings}
    log = (data / "serve.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "calipso"), "serve", "--demo", env=env,
        stdout=log, stderr=asyncio.subprocess.STDOUT)
    db = mongo_client[name]
    try:
        await wait_for_scan(db)
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}"
            yield DemoServe(url, db, await token(http, url), http)
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 15)
        log.close()
        await mongo_client.drop_database(name)


@pytest.fixture(scope="module")
async def demo_serve(mongo_client: AsyncMongoClient, mongo_uri: str,
                     tmp_path_factory: pytest.TempPathFactory
                     ) -> AsyncIterator[DemoServe]:
    async with run_demo(mongo_client, mongo_uri, tmp_path_factory.mktemp("ui-serve")) as demo:
        yield demo


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install '.[test]')")
    if not await asyncio.to_thread(CHROMIUM.exists):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium "
                    "(./scripts/test installs it when it can)")
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=str(CHROMIUM),
                                            args=["--no-sandbox"])
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Any, demo_serve: DemoServe) -> AsyncIterator[Any]:
    """A logged-in page on the environments list."""
    context = await browser.new_context(viewport={"width": 1366, "height": 800},
                                        accept_downloads=True)
    tab = await context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda err: errors.append(str(err)))
    await tab.goto(demo_serve.url + "/")
    await tab.get_by_label("User name").fill("admin")
    await tab.get_by_label("Password").fill(PASSWORD)
    await tab.get_by_role("button", name="Log in").click()
    await tab.wait_for_selector("section.card[data-env=demo]")
    # the live stream is open (the header says so): later changes reach the page
    await tab.wait_for_function(
        "() => document.getElementById('live-state').textContent.startsWith('live (')")
    yield tab
    await context.close()
    assert errors == []


async def screenshot(tab: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await tab.screenshot(path=str(SHOTS / f"{name}.png"))


