"""What monitoring reads of an environment's inventory: the objects it checks (with the
fields the checks and the Sensu setup use) and the ``vnic-vconnector`` links."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

TYPES = ("host", "host_pnic", "vedge", "otep", "vconnector", "vservice", "instance", "vnic")
FIELDS = {"_id": 0, "id": 1, "type": 1, "host": 1, "name": 1, "local_name": 1, "ports": 1,
          "bridge_name": 1, "local_service_id": 1, "service_type": 1, "network": 1,
          "network_info": 1, "ip_address": 1, "mac_address": 1, "vnic_type": 1}


async def monitored(db: AsyncDatabase, env: str
                    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    docs = [d async for d in db.inventory.find(
        {"environment": env, "type": {"$in": list(TYPES)}}, FIELDS)]
    links = [d async for d in db.links.find(
        {"environment": env, "link_type": "vnic-vconnector"},
        {"_id": 0, "source_id": 1, "target_id": 1})]
    return docs, links
