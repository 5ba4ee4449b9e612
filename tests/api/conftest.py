"""The API tests' service: in-process, against this test's database, with a known admin."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from api_client import ADMIN_PASSWORD, Api, Client


@pytest.fixture
def api_env() -> dict[str, str]:
    return {"CALIPSO_ADMIN_PASSWORD": ADMIN_PASSWORD, "CALIPSO_LOGIN_FAIL_DELAY": "0.05"}


@pytest.fixture
async def api(start_service, api_env: dict[str, str]) -> AsyncIterator[Api]:
    async with start_service(**api_env) as svc, aiohttp.ClientSession() as http:
        seen: list[str] = []
        anonymous = Client(http, svc.url, {}, seen)
        probe = Api(svc, anonymous, anonymous)
        probe.admin = await probe.login("admin", ADMIN_PASSWORD)
        yield probe
