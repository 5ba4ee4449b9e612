"""What the events' work shares: what one application changed (``Applied``), the scan's
fetch type for an object type (``entry``), a scan context over part of the environment
(``partial_context``)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from calipso.env_config import EnvironmentConfig
from calipso.errors import CalipsoError
from calipso.events.services import EventServices
from calipso.inventory import InventoryWriter
from calipso.log import ContextLogger
from calipso.scanners.context import ScanContext
from calipso.scanners.metadata import FetchType, condition_holds
from calipso.scanners.walker import Walker
from calipso.sources import ApiClient, FetchFailure

log = logging.getLogger("calipso.events")


@dataclass(slots=True)
class Applied:
    """What the work changed, and where it could not see."""

    objects: int = 0
    removed: int = 0
    links: int = 0
    cliques: int = 0
    hosts: list[str] = field(default_factory=list)
    failures: list[FetchFailure] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)
    removed_ids: list[str] = field(default_factory=list)
    # seconds spent: "load" (stored fingerprints and objects), "ports" (an instance's own),
    # "networks", "hosts", "links", "cliques", "agents" (the DHCP agents' hosts)
    phase_s: dict[str, float] = field(default_factory=dict)

    def timed(self, phase: str, since: float) -> float:
        now = time.perf_counter()
        self.phase_s[phase] = self.phase_s.get(phase, 0.0) + now - since
        return now

    def counts(self) -> dict[str, int]:
        return {"runs": 1, "objects": self.objects, "removed": self.removed,
                "links": self.links, "cliques": self.cliques, "hosts": len(self.hosts)} | {
                    f"{phase}_ms": round(s * 1000) for phase, s in self.phase_s.items()}


def entry(walker: Walker, object_type: str, parent_type: str) -> FetchType:
    """The fetch type making ``object_type`` objects in a scanner of ``parent_type``s."""
    env_doc = walker.ctx.env.model_dump(mode="json")
    tree = walker.tree.scanners
    for parent_entries in tree.values():
        for parent_entry in parent_entries:
            if parent_entry.type != parent_type or parent_entry.children_scanner is None:
                continue
            for entry in tree[parent_entry.children_scanner]:
                if entry.type == object_type and condition_holds(entry.conditions, env_doc):
                    return entry
    raise CalipsoError(f"no scanner produces {object_type} objects under a {parent_type}")


def partial_context(services: EventServices, env: EnvironmentConfig, inventory: InventoryWriter,
             origin: str, api: ApiClient | None = None) -> ScanContext:
    """A scan context over part of the environment, with the API only when given."""
    return ScanContext(env=env, settings=services.settings, db=services.db,
                       inventory=inventory, api=api, mysql=None, ssh=None,
                       log=ContextLogger(log, {"env": env.name, "event": origin}),
                       scan_id=origin, started_at=inventory.scanned_at)


class Periodic:
    """Work done every ``interval`` seconds for one environment, under its lock (shared
    with the environment's listener: one writer at a time); ``round`` is the work."""

    def __init__(self, services: EventServices, env: EnvironmentConfig, lock: asyncio.Lock,
                 interval: float) -> None:
        self.services = services
        self.env = env
        self.lock = lock
        self.interval = interval
        self.rounds = 0

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.round()

    async def round(self) -> object:
        raise NotImplementedError
