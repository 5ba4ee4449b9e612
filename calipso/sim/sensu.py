"""Sensu results for a simulated cloud, as Sensu clients on its hosts would send them.

`sensu_results(truth, env, statuses)` gives one Sensu classic check result per monitored
object and `vnic-vconnector` link of the truth (named as Calipso's Sensu setup names
checks: `<type>_<id>`, `link_<type>_<source>_<target>`, OTEPs per tunnel port, ids with
`:` and `/` encoded), status 0 unless `statuses` says otherwise by object id or link key.
`publish_sensu_results` publishes them to a Sensu classic `results` exchange;
`sensu_go_event` wraps one as a Sensu Go event (what its HTTP handler posts).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import aio_pika

MONITORED = ("host", "host_pnic", "vedge", "vconnector", "vservice", "instance", "vnic")
ENCODED = {":": "---..58..---", "/": "---..47..---"}


def _enc(value: str) -> str:
    for char, code in ENCODED.items():
        value = value.replace(char, code)
    return value


def sensu_results(truth: dict[str, list[dict[str, Any]]], *, executed: float,
                  statuses: dict[Any, int] | None = None) -> list[dict[str, Any]]:
    statuses = statuses or {}
    out: list[dict[str, Any]] = []

    def add(host: str, name: str, key: Any) -> None:
        status = statuses.get(key, 0)
        out.append({"client": host, "check": {
            "name": name, "status": status, "output": f"sim says {status}",
            "executed": executed, "issued": executed, "interval": 15,
            "command": "sim-check"}})

    for obj in truth["objects"]:
        host = obj.get("host") or obj.get("id")
        if obj["type"] == "otep":
            for port in obj.get("ports") or []:
                add(host, f"otep_{_enc(obj['id'])}_{_enc(port)}", (obj["id"], port))
        elif obj["type"] in MONITORED:
            add(host, f"{obj['type']}_{_enc(obj['id'])}", obj["id"])
    for link in truth["links"]:
        if link["link_type"] == "vnic-vconnector":
            key = (link["link_type"], link["source_id"], link["target_id"])
            add(link.get("host", ""), f"link_{key[0]}_{_enc(key[1])}_{_enc(key[2])}", key)
    return out


def sensu_go_event(result: dict[str, Any]) -> dict[str, Any]:
    check = result["check"]
    return {"id": f"sim-{check['name']}-{check['executed']}", "timestamp": check["executed"],
            "entity": {"entity_class": "agent", "metadata": {"name": result["client"],
                                                             "namespace": "default"}},
            "check": {"metadata": {"name": check["name"], "namespace": "default"},
                      "status": check["status"], "output": check["output"],
                      "executed": check["executed"], "command": check["command"]}}


async def publish_sensu_results(uri: str, results: Iterable[dict[str, Any]], *,
                                exchange: str = "results") -> int:
    """Publish to the direct exchange Sensu classic uses (declared as Sensu does)."""
    count = 0
    connection = await aio_pika.connect(uri)
    async with connection:
        channel = await connection.channel()
        target = await channel.declare_exchange(exchange, aio_pika.ExchangeType.DIRECT)
        for result in results:
            await target.publish(aio_pika.Message(json.dumps(result).encode()),
                                 routing_key="")
            count += 1
    return count
