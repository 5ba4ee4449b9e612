"""Database-only work: a port that no host can see (not bound, no device), created,
updated or deleted, is written from its notification alone.

Neutron's payload is the port as its API shows it, the same document a scan lists, so
the port is built by the scan's own ``port_doc`` and filed by the walker's placement:
the object written is the one a scan writes. No host re-read: no host fetcher reads such
a port (they find ports by bound host, by device, or by a device's MAC), and no link
finder links a port object (the pNIC finder reads bound ports only), so links and
cliques stay as they are. Consecutive such events are written together, one writer per
network.

One thing outside the port changes with it: the DHCP agents serving its network count
their networks' ports in the ``configurations`` they report (and a host's ``config``
holds its agents' configurations). A port created or deleted has those hosts and their
agents re-read from the API (the host listings, once for the events applied together),
not their subtrees; an update is database-only.

A port bound (or with a device) before or after the event is left to ``refresh``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from calipso.env_config import EnvironmentConfig
from calipso.events.agents import refresh_dhcp_hosts
from calipso.events.services import EventServices
from calipso.events.work import Applied, entry, partial_context
from calipso.fetchers.api.api_fetch_networks import owner_of
from calipso.fetchers.api.api_fetch_ports import port_doc
from calipso.inventory import InventoryWriter, chunks, decode_keys, delete_object
from calipso.scanners.scan import now_ms
from calipso.scanners.walker import Walker

Doc = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PortChange:
    """One port written from its payload (``port``) or deleted (``port`` None)."""

    port_id: str
    network: Doc  # the stored network
    port: Doc | None
    counted: bool  # a port created or deleted: the DHCP agents' counts change
    project: str = ""  # the owner's project name, as the scan's port fetcher gives it


class Known:
    """Stored objects by id, read together for the events delivered together (one query
    instead of one per event). What a change decides is noted, so a later event of the
    same batch sees the port as that change leaves it."""

    def __init__(self, services: EventServices, env: EnvironmentConfig) -> None:
        self._db, self._env = services.db, env.name
        self._docs: dict[str, Doc | None] = {}
        self._stored: dict[str, Doc] = {}

    async def load(self, ids: list[str]) -> None:
        missing = sorted({i for i in ids if i not in self._docs})
        if not missing:
            return
        self._docs.update(dict.fromkeys(missing))

        async def read(ids: list[str]) -> None:
            async for doc in self._db.inventory.find(
                    {"environment": self._env, "id": {"$in": ids}}):
                self._docs[doc["id"]] = self._stored[doc["id"]] = doc

        # short ``$in``s sent together: SecantusDB reads a long one value by value, slower
        await asyncio.gather(*(read(part) for part in chunks(missing, 50)))

    async def get(self, object_id: str) -> Doc | None:
        await self.load([object_id])
        return self._docs[object_id]

    def stored(self, ids: list[str]) -> list[Doc]:
        """The stored documents of ``ids`` read so far (as stored, not as noted)."""
        return [d for i in ids if (d := self._stored.get(i)) is not None]

    def forget(self, ids: list[str] | None = None) -> None:
        """Stored documents rewritten since they were read (all of them: ``None``): their
        writers read them again, or insert and fall back to an upsert."""
        if ids is None:
            self._stored.clear()
        for object_id in ids or ():
            self._stored.pop(object_id, None)

    def note(self, change: PortChange) -> None:
        self._docs[change.port_id] = change.port


def unseen_by_hosts(port: Doc | None) -> bool:
    """A port no host fetcher can see: not bound to a host, of no device."""
    return port is not None and not port.get("binding:host_id") and not port.get("device_id")


def port_mentions(payload: Doc) -> list[str]:
    """The stored objects ``port_change`` and ``apply_ports`` read for this payload: the
    port, its network and the network's ports folder, its project."""
    raw = payload.get("port")
    raw = raw if isinstance(raw, dict) else {}
    network = raw.get("network_id")
    ids = [raw.get("id") or payload.get("port_id"), network,
           f"{network}-ports" if network else None, owner_of(raw)]
    return [str(i) for i in ids if i]


async def port_change(known: Known, event_type: str, port_id: str,
                      payload: Doc) -> PortChange | None:
    """The database-only change of a port event, or None when hosts must be re-read.
    ``payload`` is the notification's payload."""
    raw = payload.get("port")
    stored = await known.get(port_id)
    deleting = ".delete" in event_type
    if deleting:
        if not unseen_by_hosts(stored):
            return None  # unknown, or seen by a host
        assert stored is not None
        network_id = stored.get("network_id")
    else:
        if not isinstance(raw, dict) or raw.get("id") != port_id or not raw.get("network_id"):
            return None
        if not unseen_by_hosts(raw) or (stored is not None and not unseen_by_hosts(stored)):
            return None
        network_id = raw["network_id"]
    network = await known.get(str(network_id))
    if network is None or network.get("type") != "network":
        return None  # its network not known yet: the re-read files both
    counted = deleting or (stored is None and ".create" in event_type)
    owner = owner_of(raw) if isinstance(raw, dict) else ""
    project = await known.get(owner) if owner else None
    change = PortChange(port_id, network, None if deleting else raw, counted,
                        str(project["name"]) if project and project.get("type") == "project"
                        else owner)
    known.note(change)
    return change


async def apply_ports(services: EventServices, env: EnvironmentConfig,
                      changes: list[PortChange], origin: str, known: Known) -> Applied:
    """Write ``changes`` in order: consecutive writes together (one writer per network),
    a delete with the port's links and cliques."""
    applied = Applied()
    mark = time.perf_counter()
    run: list[PortChange] = []
    for change in changes:
        if change.port is not None:
            run.append(change)
            continue
        await _write(services, env, run, origin, applied, known)
        run = []
        removed = await delete_object(services.db, env.name, change.port_id)
        applied.removed += len(removed.objects)
        applied.removed_ids += removed.objects
    await _write(services, env, run, origin, applied, known)
    mark = applied.timed("ports", mark)
    if any(c.counted for c in changes):
        await refresh_dhcp_hosts(services, env, origin, applied)
        applied.timed("agents", mark)
    return applied


async def _write(services: EventServices, env: EnvironmentConfig, changes: list[PortChange],
                 origin: str, applied: Applied, known: Known) -> None:
    if not changes:
        return
    inventory = InventoryWriter(services.db, env.name, now_ms())
    networks = {c.network["id"]: c.network for c in changes}
    await known.load(folders := [f"{n}-ports" for n in networks])
    inventory.know(known.stored([*{c.port_id for c in changes}, *folders]))
    ctx = partial_context(services, env, inventory, origin)
    for network in networks.values():
        ctx.state.remember(decode_keys({k: v for k, v in network.items() if k != "_id"}))
    walker = Walker(ctx, services.metadata.scanners)
    docs = [port_doc(c.port, c.project) for c in changes if c.port is not None]
    await walker.save(entry(walker, "port", "region"), {"id": "", "type": "region"}, docs)
    await inventory.finish()
    known.forget(inventory.changed_ids)
    applied.objects += inventory.written
    applied.changed_ids += inventory.changed_ids
