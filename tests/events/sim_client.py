"""A small client of the simulator's Nova and Neutron APIs, as a user of the cloud would
call them: a Keystone token scoped to one project, then JSON over HTTP."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from calipso.sim.server import SimCloud


class Refused(Exception):
    """The cloud answered 4xx: a call a user may make and the cloud may refuse."""


class SimClient:
    def __init__(self, sim: SimCloud, http: aiohttp.ClientSession) -> None:
        assert sim.api is not None
        self.urls = sim.api.urls
        self.http = http
        self.token = ""

    async def login(self, project: str) -> SimClient:
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"}, "password": "admin-secret"}}},
            "scope": {"project": {"name": project, "domain": {"name": "Default"}}}}}
        async with self.http.post(self.urls["keystone"] + "/v3/auth/tokens",
                                  json=body) as resp:
            assert resp.status == 201, await resp.text()
            self.token = resp.headers["X-Subject-Token"]
        return self

    async def call(self, method: str, service: str, path: str, body: Any = None) -> Any:
        """The answer's JSON (None when empty); `Refused` on 4xx; 5xx fails the test."""
        async with self.http.request(method, self.urls[service] + path, json=body,
                                     headers={"X-Auth-Token": self.token}) as resp:
            text = await resp.text()
            data = json.loads(text) if text else None
            if 400 <= resp.status < 500:
                raise Refused(f"{method} {path}: {resp.status} {data}")
            assert resp.status < 400, (method, path, resp.status, data)
            return data

    async def nova(self, method: str, path: str, body: Any = None) -> Any:
        return await self.call(method, "nova", path, body)

    async def neutron(self, method: str, path: str, body: Any = None) -> Any:
        return await self.call(method, "neutron", "/v2.0" + path, body)
