"""Periodic targeted reconciliation: what notifications never say.

The DHCP and L3 agents make ports over RPC and no notification tells of them; a message
may have been lost before it reached the queue. Every ``interval`` seconds one host of
the environment (round robin) is re-read, with the networks bound there and the networks
whose listing and inventory disagree, by the same targeted work an event does. What it
corrected is written to ``messages`` (``origin_type: reconciliation``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from calipso.env_config import EnvironmentConfig
from calipso.events.refresh import Targets, apply
from calipso.events.services import EventServices
from calipso.events.work import Applied, Periodic

log = logging.getLogger(__name__)
IDS_KEPT = 50  # object ids named in one message


class Reconciler(Periodic):
    def __init__(self, services: EventServices, env: EnvironmentConfig, lock: asyncio.Lock,
                 interval: float) -> None:
        super().__init__(services, env, lock, interval)
        self.corrected = 0

    async def round(self) -> Applied | None:
        """The next host (round robin) re-read."""
        hosts = sorted([d["id"] async for d in self.services.db.inventory.find(
            {"environment": self.env.name, "type": "host"}, {"id": 1})])
        return await self.reconcile_host(hosts[self.rounds % len(hosts)]) if hosts else None

    async def reconcile_host(self, host: str) -> Applied:
        async with self.lock:
            applied = await apply(self.services, self.env, Targets(hosts={host}, drift=True),
                                  f"reconcile:{host}")
        self.rounds += 1
        if applied.changed_ids or applied.removed_ids:
            self.corrected += 1
            changed = ", ".join(applied.changed_ids[:IDS_KEPT])
            removed = ", ".join(applied.removed_ids[:IDS_KEPT])
            text = (f"reconciliation of {host} corrected what events missed: "
                    f"{len(applied.changed_ids)} written ({changed}); "
                    f"{len(applied.removed_ids)} removed ({removed})")
            now = datetime.now(UTC)
            await self.services.db.messages.insert_one({
                "environment": self.env.name, "source_system": "Calipso", "level": "warning",
                "origin_type": "reconciliation", "related_object": host,
                "related_object_type": "host", "message": text, "timestamp": now,
                "viewed": False, "changed": applied.changed_ids,
                "removed": applied.removed_ids})
            log.info("reconciliation corrected", extra={
                "env": self.env.name, "host": host, "written": len(applied.changed_ids),
                "removed": len(applied.removed_ids)})
        return applied
