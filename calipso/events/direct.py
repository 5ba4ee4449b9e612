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

import logging
import time
from dataclasses import dataclass
from typing import Any

from calipso.env_config import EnvironmentConfig
from calipso.events.refresh import Applied, entry
from calipso.events.services import EventServices
from calipso.fetchers.api.api_fetch_host_network_agents import FOLDER_SUFFIX, region_of
from calipso.fetchers.api.api_fetch_networks import owner_of
from calipso.fetchers.api.api_fetch_ports import port_doc
from calipso.fetchers.api.network_info import OWNER_DHCP
from calipso.inventory import InventoryWriter, decode_keys, delete_object
from calipso.log import ContextLogger
from calipso.scanners.context import ScanContext
from calipso.scanners.scan import now_ms
from calipso.scanners.walker import Walker
from calipso.sources import ApiClient, open_sources

log = logging.getLogger(__name__)
Doc = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PortChange:
    """One port written from its payload (``port``) or deleted (``port`` None)."""

    port_id: str
    network: Doc  # the stored network
    port: Doc | None
    counted: bool  # a port created or deleted: the DHCP agents' counts change


class Known:
    """Stored objects by id, read together for the events delivered together (one query
    instead of one per event). What a change decides is noted, so a later event of the
    same batch sees the port as that change leaves it."""

    def __init__(self, services: EventServices, env: EnvironmentConfig) -> None:
        self._db, self._env = services.db, env.name
        self._docs: dict[str, Doc | None] = {}

    async def load(self, ids: list[str]) -> None:
        missing = sorted({i for i in ids if i not in self._docs})
        if not missing:
            return
        self._docs.update(dict.fromkeys(missing))
        async for doc in self._db.inventory.find(
                {"environment": self._env, "id": {"$in": missing}}, {"_id": 0}):
            self._docs[doc["id"]] = doc

    async def get(self, object_id: str) -> Doc | None:
        await self.load([object_id])
        return self._docs[object_id]

    def note(self, change: PortChange) -> None:
        self._docs[change.port_id] = change.port


def unseen_by_hosts(port: Doc | None) -> bool:
    """A port no host fetcher can see: not bound to a host, of no device."""
    return port is not None and not port.get("binding:host_id") and not port.get("device_id")


def port_mentions(payload: Doc) -> list[str]:
    """The stored objects ``port_change`` reads for this payload: the port, its network."""
    raw = payload.get("port")
    raw = raw if isinstance(raw, dict) else {}
    ids = [raw.get("id") or payload.get("port_id"), raw.get("network_id")]
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
    change = PortChange(port_id, network, None if deleting else raw, counted)
    known.note(change)
    return change


async def apply_ports(services: EventServices, env: EnvironmentConfig,
                      changes: list[PortChange], origin: str) -> Applied:
    """Write ``changes`` in order: consecutive writes together (one writer per network),
    a delete with the port's links and cliques."""
    applied = Applied()
    mark = time.perf_counter()
    run: list[PortChange] = []
    for change in changes:
        if change.port is not None:
            run.append(change)
            continue
        await _write(services, env, run, origin, applied)
        run = []
        removed = await delete_object(services.db, env.name, change.port_id)
        applied.removed += len(removed.objects)
        applied.removed_ids += removed.objects
    await _write(services, env, run, origin, applied)
    mark = applied.timed("ports", mark)
    counted = {c.network["id"] for c in changes if c.counted}
    if counted:
        await _refresh_dhcp_hosts(services, env, counted, origin, applied)
        applied.timed("agents", mark)
    return applied


async def _refresh_dhcp_hosts(services: EventServices, env: EnvironmentConfig,
                             networks: set[str], origin: str, applied: Applied) -> None:
    """Re-read the hosts serving DHCP on ``networks``: the host (its ``config`` holds its
    agents' configurations) and its network agents, not the rest of its subtree."""
    db = services.db
    # by indexed fields alone (SecantusDB scans for any other condition beside them)
    names = sorted({str(p["binding:host_id"]) async for p in db.inventory.find(
        {"environment": env.name, "parent_id": {"$in": [f"{n}-ports" for n in networks]}},
        {"binding:host_id": 1, "device_owner": 1})
        if p.get("device_owner") == OWNER_DHCP and p.get("binding:host_id")})
    hosts = [h async for h in db.inventory.find(
        {"environment": env.name, "id": {"$in": names}}, {"_id": 0}) if h.get("type") == "host"]
    if not hosts:
        return
    scanned_at = now_ms()
    async with open_sources(env, services.settings, db, services.ssh_pools) as sources:
        for host in hosts:
            inventory = InventoryWriter(db, env.name, scanned_at)
            folder_id = f"{host['id']}{FOLDER_SUFFIX}"
            agents_stored = [a["id"] async for a in db.inventory.find(
                {"environment": env.name, "parent_id": folder_id}, {"id": 1})]
            await inventory.load_existing(ids=[host["id"], folder_id, *agents_stored])
            ctx = _context(services, env, inventory, origin, sources.api)
            walker = Walker(ctx, services.metadata.scanners)
            region = await ctx.lookup(region_of(host) or "")
            folder = await ctx.lookup(folder_id)
            if region is None or folder is None:
                continue
            hosts_entry = entry(walker, "host", "region")
            await walker.save(hosts_entry, region, [
                d for d in await walker.fetch(hosts_entry, region, region["id"])
                if str(d["id"]).strip() == host["id"]])
            agents = entry(walker, "network_agent", folder["type"])
            await walker.save(agents, folder, await walker.fetch(agents, folder, folder["id"]))
            await inventory.finish()
            applied.objects += inventory.written
            applied.changed_ids += inventory.changed_ids
            applied.failures += ctx.state.failures


def _context(services: EventServices, env: EnvironmentConfig, inventory: InventoryWriter,
             origin: str, api: ApiClient | None = None) -> ScanContext:
    """A scan context over part of the environment, with the API only when given."""
    return ScanContext(env=env, settings=services.settings, db=services.db,
                       inventory=inventory, api=api, mysql=None, ssh=None,
                       log=ContextLogger(log, {"env": env.name, "event": origin}),
                       scan_id=origin, started_at=inventory.scanned_at)


async def _write(services: EventServices, env: EnvironmentConfig, changes: list[PortChange],
                 origin: str, applied: Applied) -> None:
    if not changes:
        return
    inventory = InventoryWriter(services.db, env.name, now_ms())
    networks = {c.network["id"]: c.network for c in changes}
    await inventory.load_existing(ids=[*{c.port_id for c in changes},
                                       *(f"{n}-ports" for n in networks)])
    ctx = _context(services, env, inventory, origin)
    for network in networks.values():
        ctx.state.remember(decode_keys(dict(network)))
    walker = Walker(ctx, services.metadata.scanners)
    projects: dict[str, str] = {}
    docs = []
    for change in changes:
        assert change.port is not None
        docs.append(port_doc(change.port, await _project_name(
            ctx, owner_of(change.port), projects)))
    await walker.save(entry(walker, "port", "region"), {"id": "", "type": "region"}, docs)
    await inventory.finish()
    applied.objects += inventory.written
    applied.changed_ids += inventory.changed_ids


async def _project_name(ctx: ScanContext, owner: str, names: dict[str, str]) -> str:
    """The owner's project name as the scan's port fetcher gives it (its id when the
    project is not known)."""
    if owner not in names:
        project = await ctx.db.inventory.find_one(
            {"environment": ctx.env_name, "id": owner}, {"name": 1, "type": 1})
        names[owner] = (str(project["name"]) if project and project.get("type") == "project"
                        else owner)
    return names[owner]
