"""HTTP clients and sample data for the API tests."""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp

ADMIN_PASSWORD = "adm1n-Secret-pw"
ENV = "Mirantis-Liberty-API"

# Known secrets: a test searches every answer and log line for them.
SECRETS = {
    "openstack": "os-Pw-4c8f1e",
    "admin_token": "os-Token-77d2a9",
    "mysql": "my-Pw-91b3c0",
    "cli": "ssh-Pw-5e1a77",
    "amqp": "amqp-Pw-0d4e12",
    "rabbitmq": "rmq-Pw-6b2f90",
}


def env_config(name: str = ENV, **changes: Any) -> dict[str, Any]:
    """A valid OpenStack environment configuration with every section and known secrets."""
    doc: dict[str, Any] = {
        "name": name,
        "type": "environment",
        "environment_type": "OpenStack",
        "distribution": "Mirantis",
        "distribution_version": "8.0",
        "mechanism_drivers": ["OVS"],
        "type_drivers": "vxlan",
        "app_path": "/home/scan/calipso_prod/app",
        "listen": True,
        "scanned": False,
        "operational": "stopped",
        "enable_monitoring": True,
        "configuration": [
            {"name": "OpenStack", "host": "10.56.20.239", "port": 5000, "user": "admin",
             "pwd": SECRETS["openstack"], "admin_token": SECRETS["admin_token"]},
            {"name": "mysql", "host": "10.56.20.239", "port": 3307, "user": "root",
             "pwd": SECRETS["mysql"]},
            {"name": "CLI", "host": "10.56.20.239", "user": "root", "pwd": SECRETS["cli"]},
            {"name": "AMQP", "host": "10.56.20.239", "port": 5673, "user": "nova",
             "pwd": SECRETS["amqp"]},
            {"name": "Monitoring", "config_folder": "/local_dir/sensu_config",
             "provision": "None", "env_type": "production", "api_port": 4567,
             "rabbitmq_pass": SECRETS["rabbitmq"], "rabbitmq_user": "sensu",
             "rabbitmq_port": 5671, "server_ip": "10.56.20.239", "server_name": "sensu",
             "type": "Sensu"},
        ],
    }
    doc.update(copy.deepcopy(changes))
    return doc


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""


@dataclass
class Client:
    """Calls the API with one set of credentials; every body read is kept for the
    secret-leak check."""

    http: aiohttp.ClientSession
    url: str
    headers: dict[str, str]
    seen: list[str]

    async def call(self, method: str, path: str, *, json_body: Any = None,
                   raw: bytes | None = None, params: Any = None,
                   headers: dict[str, str] | None = None) -> Answer:
        kwargs: dict[str, Any] = {"headers": self.headers | (headers or {})}
        if json_body is not None:
            kwargs["json"] = json_body
        if raw is not None:
            kwargs["data"] = raw
        if params is not None:
            kwargs["params"] = params
        async with self.http.request(method, self.url + path, **kwargs) as resp:
            text = await resp.text()
            self.seen.append(text)
            try:
                body = json.loads(text) if text else None
            except ValueError:
                body = None
            return Answer(resp.status, body, dict(resp.headers), text)

    async def get(self, path: str, **params: Any) -> Answer:
        return await self.call("GET", path, params=params or None)

    async def post(self, path: str, body: Any) -> Answer:
        return await self.call("POST", path, json_body=body)

    async def put(self, path: str, body: Any) -> Answer:
        return await self.call("PUT", path, json_body=body)

    async def delete(self, path: str, **params: Any) -> Answer:
        return await self.call("DELETE", path, params=params or None)

    def as_(self, headers: dict[str, str]) -> Client:
        return Client(self.http, self.url, headers, self.seen)


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@dataclass
class Api:
    svc: Any
    admin: Client
    anonymous: Client

    @property
    def db(self) -> Any:
        return self.svc.ctx.database.db

    async def login(self, user: str, password: str) -> Client:
        answer = await self.anonymous.post("/auth/tokens", {"auth": {
            "methods": ["credentials"],
            "credentials": {"username": user, "password": password}}})
        assert answer.status == 201, answer.body
        return self.anonymous.as_({"X-Auth-Token": answer.body["token"]})

    async def viewer(self, name: str = "vera") -> Client:
        answer = await self.admin.post("/users", {"name": name, "password": "viewer-pw-123",
                                                  "role": "viewer"})
        assert answer.status == 201, answer.body
        return await self.login(name, "viewer-pw-123")

    async def add_env(self, name: str = ENV, **changes: Any) -> None:
        answer = await self.admin.post("/environment_configs", env_config(name, **changes))
        assert answer.status == 201, answer.body


