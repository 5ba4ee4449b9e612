"""A small hand-made inventory of one OVS host, with the links monitoring looks at."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from calipso.db import ensure_indexes
from calipso.seed import default_seed_dir, load_seed

ENV = "mon-env"
HOST = "node-1.cloud.local"
PNIC = "eth2-3c:fd:fe:00:00:01"
VEDGE = "0f6c1a9e-agent"
OTEP = f"{HOST}-otep"
VNIC = f"{HOST}-tap1234567890a"
BRIDGE = f"{HOST}-qbr1234567890a-8000.fe163e000001"
VSERVICE = f"{HOST}-qdhcp-net1"
INSTANCE = "5c0d8f7e-inst"

OBJECTS: list[tuple[str, str]] = [
    ("host", HOST), ("host_pnic", PNIC), ("vedge", VEDGE), ("otep", OTEP),
    ("vnic", VNIC), ("vconnector", BRIDGE), ("vservice", VSERVICE), ("instance", INSTANCE),
]
LINKS: list[tuple[str, str, str]] = [
    ("vnic-vconnector", VNIC, BRIDGE), ("vedge-host_pnic", VEDGE, PNIC),
    ("instance-vnic", INSTANCE, VNIC),
]


def objects(env: str = ENV) -> list[dict[str, Any]]:
    out = [{"environment": env, "type": t, "id": i, "name": i, "host": HOST} for t, i in OBJECTS]
    for doc in out:
        if doc["type"] == "otep":
            doc["ports"] = ["vxlan-0a010002", "vxlan-0a010003"]
    return out


def links(env: str = ENV) -> list[dict[str, Any]]:
    return [{"environment": env, "link_type": t, "source_id": s, "target_id": d,
             "host": HOST, "state": "up"} for t, s, d in LINKS]


async def load(db: AsyncDatabase, env: str = ENV) -> None:
    await ensure_indexes(db)
    await load_seed(db, default_seed_dir())
    await db.inventory.insert_many(objects(env))
    await db.links.insert_many(links(env))

TOKEN = "mon-token-7f3a9c2e51d04b8a"


def env_doc(env: str = ENV, **monitoring: Any) -> dict[str, Any]:
    """An environments_config document with a Monitoring section holding the token."""
    return {
        "name": env, "type": "environment", "environment_type": "OpenStack",
        "mechanism_drivers": ["OVS"], "type_drivers": "vxlan", "enable_monitoring": True,
        "configuration": [
            {"name": "OpenStack", "host": "127.0.0.1", "user": "admin", "pwd": "os-pw"},
            {"name": "CLI", "host": "127.0.0.1", "user": "calipso", "pwd": "cli-pw"},
            {"name": "Monitoring", "config_folder": "/tmp/sensu", "provision": "None",
             "env_type": "testing", "api_port": 4567, "rabbitmq_pass": "rmq-pw",
             "rabbitmq_user": "sensu", "rabbitmq_port": 5672, "server_ip": "127.0.0.1",
             "server_name": "sensu", "type": "Sensu", "results_token": TOKEN,
             "listen_results": False,
             **monitoring},
        ],
    }


def go_event(check: str, status: int, output: str = "", executed: float = 1.8e9,
             event_id: str | None = None) -> dict[str, Any]:
    """A Sensu Go event as its HTTP handler posts it (a few of its many fields)."""
    return {"id": event_id or f"ev-{check}-{status}-{executed}", "timestamp": executed,
            "entity": {"entity_class": "agent", "metadata": {"name": HOST,
                                                             "namespace": "default"}},
            "check": {"metadata": {"name": check, "namespace": "default"},
                      "command": "check.py", "status": status, "output": output,
                      "executed": executed, "issued": executed, "history": []},
            "metadata": {"namespace": "default"}}


def classic_result(check: str, status: int, output: str = "",
                   executed: float = 1.8e9) -> dict[str, Any]:
    """A Sensu classic check result as the client publishes it."""
    return {"client": HOST, "check": {"name": check, "status": status, "output": output,
                                      "executed": executed, "issued": executed,
                                      "command": "check.py", "interval": 15}}
