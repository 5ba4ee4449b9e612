"""The checks behind ``/connection_tests``: can Calipso log in to each target?

One probe per configuration target, each bounded by a timeout: Keystone authentication
over HTTP (v3, or v2.0 where v3 is absent), a MySQL login (aiomysql), an SSH login to the
master host (asyncssh), an AMQP login (aio-pika), the Sensu transport's AMQP login for
Monitoring, and an APIC login for ACI. This is the edge: library errors become a short
message with every secret of the section removed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import aiomysql
import asyncssh
from aio_pika.connection import make_url
from pydantic import BaseModel, SecretStr

from calipso.env_config import (
    SECRET_MASK,
    AciSection,
    AmqpSection,
    CliSection,
    MonitoringSection,
    MysqlSection,
    OpenStackSection,
)
from calipso.sources.amqp import amqp_connect


@dataclass(frozen=True, slots=True)
class ProbeResult:
    ok: bool
    message: str
    duration_ms: float

    def to_doc(self) -> dict[str, Any]:
        return {"ok": self.ok, "message": self.message, "duration_ms": self.duration_ms}


def secrets_of(section: BaseModel) -> list[str]:
    found = []
    for name in type(section).model_fields:
        value = getattr(section, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            found.append(value.get_secret_value())
    return found


def scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, SECRET_MASK)
    return text[:500]


def _keystone_base(section: OpenStackSection) -> str:
    base = section.keystone_url
    for suffix in ("/v3", "/v2.0"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


async def probe_openstack(section: OpenStackSection) -> str:
    base = _keystone_base(section)
    password = section.pwd.get_secret_value()
    v3 = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": section.user, "domain": {"name": section.user_domain_name},
            "password": password}}},
        "scope": {"project": {"name": section.admin_project,
                              "domain": {"name": section.project_domain_name}}},
    }}
    v2 = {"auth": {"passwordCredentials": {"username": section.user, "password": password},
                   "tenantName": section.admin_project}}
    async with aiohttp.ClientSession() as http:
        if section.keystone_version in ("auto", "v3"):
            async with http.post(f"{base}/v3/auth/tokens", json=v3,
                                 ssl=section.verify_tls) as resp:
                if resp.status == 201:
                    return "Keystone v3 issued a token"
                if resp.status != 404 or section.keystone_version == "v3":
                    raise RuntimeError(f"Keystone v3 answered HTTP {resp.status}")
        async with http.post(f"{base}/v2.0/tokens", json=v2, ssl=section.verify_tls) as resp:
            if resp.status == 200:
                return "Keystone v2.0 issued a token"
            raise RuntimeError(f"Keystone v2.0 answered HTTP {resp.status}")


async def probe_mysql(section: MysqlSection) -> str:
    conn = await aiomysql.connect(
        host=section.host, port=section.port, user=section.user,
        password=section.pwd.get_secret_value(), connect_timeout=section.connect_timeout)
    try:
        async with conn.cursor() as cur:
            await cur.execute("SELECT 1")
    finally:
        conn.close()
    return f"logged in to MySQL at {section.host}:{section.port} as {section.user}"


async def probe_ssh(section: CliSection) -> str:
    keys = None
    if section.key:
        keys = [await asyncio.to_thread(asyncssh.read_private_key, section.key)]
    password = section.pwd.get_secret_value() if section.pwd is not None else None
    async with asyncssh.connect(
        section.host, section.port, username=section.user, password=password,
        client_keys=keys, agent_path=None, known_hosts=section.known_hosts,
        preferred_auth="publickey,password,keyboard-interactive" if keys else
        "password,keyboard-interactive",
    ):
        pass
    return f"logged in over SSH to {section.host}:{section.port} as {section.user}"


async def _amqp_login(host: str, port: int, user: str, password: str, vhost: str) -> None:
    conn = await amqp_connect(make_url(host=host, port=port, login=user, password=password,
                                       virtualhost=vhost), within=None)  # the probe has its own
    await conn.close()


async def probe_amqp(section: AmqpSection) -> str:
    await _amqp_login(section.host, section.port, section.user,
                      section.pwd.get_secret_value(), section.vhost)
    return f"logged in to AMQP at {section.host}:{section.port} as {section.user}"


async def probe_monitoring(section: MonitoringSection) -> str:
    await _amqp_login(section.server_ip, section.rabbitmq_port, section.rabbitmq_user,
                      section.rabbitmq_pass.get_secret_value(), "/sensu")
    return f"logged in to the Sensu transport at {section.server_ip}:{section.rabbitmq_port}"


async def probe_aci(section: AciSection) -> str:
    body = {"aaaUser": {"attributes": {"name": section.user,
                                       "pwd": section.pwd.get_secret_value()}}}
    async with aiohttp.ClientSession() as http, http.post(
        f"https://{section.host}/api/aaaLogin.json", json=body, ssl=False
    ) as resp:
        if resp.status != 200:
            raise RuntimeError(f"APIC answered HTTP {resp.status}")
    return f"logged in to APIC {section.host}"


PROBES: dict[str, Callable[[Any], Awaitable[str]]] = {
    "OpenStack": probe_openstack,
    "mysql": probe_mysql,
    "CLI": probe_ssh,
    "AMQP": probe_amqp,
    "Monitoring": probe_monitoring,
    "ACI": probe_aci,
}


async def run_probe(target: str, section: BaseModel, within: float) -> ProbeResult:
    """Test one target; never raises (but for cancellation)."""
    started = time.perf_counter()
    probe = PROBES.get(target)
    try:
        if probe is None:
            raise NotImplementedError(f"no connection test for {target}")
        async with asyncio.timeout(within):
            message = await probe(section)
        ok = True
    except TimeoutError:
        ok, message = False, f"no answer within {within:g} s"
    except Exception as err:  # the edge of every library: each failure is a result
        detail = str(err) or type(err).__name__
        ok, message = False, scrub(f"{type(err).__name__}: {detail}", secrets_of(section))
    duration = round((time.perf_counter() - started) * 1000, 1)
    return ProbeResult(ok, message, duration)
