"""Agents and Nova services up and down, written as a scan writes them.

A real cloud sends no notification when a Neutron agent's heartbeat stops or resumes,
nor when a Nova service goes down (Nova's ``service.update`` is sent only for
``disabled``, ``disabled_reason`` and ``forced_down``; Neutron's ``agent.update.end``
only when an admin changes an agent through the API). So one function serves the
handlers of those events and a periodic poll alike: ``check_liveness`` reads, per region,
Nova's zone listing and Neutron's agent listing (two API calls, the ones a scan makes)
and rewrites, from them and the stored objects, what the scan's fetchers would write:

- each ``network_agent`` (``agent_doc``: ``alive``, ``admin_state_up``,
  ``description``, ``configurations`` ...);
- each L2 agent's ``vedge`` (Open vSwitch, Linux bridge), which carries the agent's
  fields beside what SSH read (ports, tunnel ports: kept from the stored object);
- each host (``services`` with ``available``/``active``, ``host_type``, ``config``,
  ``unrecognised``; its ``OS`` kept) and each zone (``hosts``, ``available``).

The writer compares fingerprints, so only what changed is written, with the digest a
scan computes. A host whose agents were added or removed, whose zone changed (Nova
lists a disabled service nowhere, so a compute whose nova-compute is disabled is filed
under ``internal``) or that no listing shows any more is re-read whole by the targeted
work (``refresh.apply``), as an event naming it would. What went down or up is a
``messages`` record each (``Transition``).

Monitoring status (``status``, ``status_value``) is not touched: it belongs to the
monitoring results (Sensu or Calipso's own checks), and a scan does not write it either.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from calipso.env_config import EnvironmentConfig
from calipso.errors import FetchError
from calipso.events.refresh import STORED_ONLY, Targets, apply
from calipso.events.services import EventServices
from calipso.events.work import Applied, Periodic, entry, partial_context
from calipso.fetchers.api.api_fetch_availability_zones import zone_docs
from calipso.fetchers.api.api_fetch_host_network_agents import (
    FOLDER_SUFFIX,
    agent_doc,
    region_of,
)
from calipso.fetchers.api.api_fetch_project_hosts import host_doc
from calipso.fetchers.api.base import ApiAccess
from calipso.fetchers.api.cloud_hosts import RegionHosts, fetch_region_hosts, regions_with
from calipso.fetchers.cli.cli_fetch_vedges_ovs import agent_fields
from calipso.fetchers.cli.scope import L2_AGENT_TYPES
from calipso.inventory import InventoryWriter, decode_keys, remove_objects
from calipso.inventory.origin import change_origin
from calipso.scanners.scan import now_ms
from calipso.scanners.walker import Walker
from calipso.sources import FetchFailure, open_sources

log = logging.getLogger(__name__)
Doc = dict[str, Any]
# what other writers add to a stored object (monitoring, cliques): not a fetcher's
OWNED_ELSEWHERE = (*STORED_ONLY, "_id", "status", "status_value", "status_text",
                   "status_timestamp", "clique")
# a vEdge's own fields: what SSH read, and its naming (the rest is its agent's row)
VEDGE_OWN = frozenset({"id", "name", "object_name", "host", "ports", "tunnel_ports", "pnic",
                       "type"})
READ_TYPES = ("region", "availability_zones_folder", "availability_zone", "host",
              "network_agents_folder", "network_agent", "vedges_folder", "vedge")
PARENT_TYPES = frozenset({"region", "availability_zones_folder", "availability_zone",
                          "network_agents_folder", "vedges_folder"})
VEDGE_READ = ("ports", "tunnel_ports")  # left out of the vEdges read for comparing
AGENT_FIELDS = ("alive", "admin_state_up")
SERVICE_FIELDS = ("available", "active")


@dataclass(frozen=True, slots=True)
class Transition:
    """An agent or a Nova service that went down or up (or was disabled, enabled...)."""

    object_id: str  # the network_agent, or the host of a Nova service
    object_type: str
    host: str
    name: str  # the agent's binary / the service's binary
    field: str  # alive, admin_state_up / available, active
    before: Any
    after: Any

    @property
    def down(self) -> bool:
        return not self.after

    def text(self) -> str:
        what = "agent" if self.object_type == "network_agent" else "Nova service"
        if self.after is None:
            why = "deleted" if self.object_type == "network_agent" else "disabled or deleted"
            return f"{what} {self.name} on {self.host}: no longer listed ({why}; " \
                   f"{self.field} was {self.before})"
        if self.before is None:
            return f"{what} {self.name} on {self.host}: listed again ({self.field} " \
                   f"{self.after})"
        state = {"alive": ("down", "up"), "available": ("down", "up"),
                 "admin_state_up": ("administratively down", "administratively up"),
                 "active": ("disabled", "enabled")}[self.field][bool(self.after)]
        return f"{what} {self.name} on {self.host} is {state} ({self.field}: " \
               f"{self.before} -> {self.after})"


@dataclass(slots=True)
class Liveness:
    """What one check found and wrote."""

    applied: Applied = field(default_factory=Applied)
    transitions: list[Transition] = field(default_factory=list)
    reread: set[str] = field(default_factory=set)  # hosts re-read whole


async def check_liveness(services: EventServices, env: EnvironmentConfig, origin: str,
                         hosts: set[str] | None = None) -> Liveness:
    """Agents, Nova services, hosts and zones brought up to date from the listings, for
    ``hosts`` (None: every host). The caller holds the environment's lock."""
    with change_origin("event", event=origin):
        found = Liveness()
        await _light(services, env, origin, hosts, found)
    if found.reread:
        applied = await apply(services, env, Targets(hosts=found.reread), origin)
        found.applied.objects += applied.objects
        found.applied.removed += applied.removed
        found.applied.changed_ids += applied.changed_ids
        found.applied.removed_ids += applied.removed_ids
        found.applied.failures += applied.failures
        with change_origin("event", event=origin):
            await _drop_empty_zones(services, env, found)
    return found


async def _light(services: EventServices, env: EnvironmentConfig, origin: str,
                 hosts: set[str] | None, found: Liveness) -> None:
    db = services.db
    raw: list[Doc] = []
    for object_type in READ_TYPES:  # one indexed field a query (an $in scans here)
        raw += [d async for d in db.inventory.find(
            {"environment": env.name, "type": object_type},
            # vEdges without what SSH read (a compute's ports are many): compared only
            dict.fromkeys(VEDGE_READ, 0) if object_type == "vedge" else None)]
    stored = {d["id"]: decode_keys(d) for d in raw}
    inventory = InventoryWriter(db, env.name, now_ms())
    inventory.know(raw)
    async with open_sources(env, services.settings, db, services.ssh_pools) as sources:
        ctx = partial_context(services, env, inventory, origin, sources.api)
        for doc in stored.values():  # the parents placement looks up: no query each
            if doc["type"] in PARENT_TYPES:
                ctx.state.remember(doc)
        walker = Walker(ctx, services.metadata.scanners)
        access = ApiAccess(ctx)
        listings: dict[str, RegionHosts] = {}
        try:
            computes = set(await regions_with(access, "compute"))
            regions = [d for d in stored.values()
                       if d["type"] == "region" and d["id"] in computes]
            for region in regions:
                listings[region["id"]] = await fetch_region_hosts(access, region["id"])
        except FetchError as err:  # nothing is written from half a picture
            found.applied.failures.append(FetchFailure(
                "host", f"/{env.name}", err.source, err.target, err.detail))
            return
        by_parent: dict[str, list[Doc]] = {}
        for doc in stored.values():
            by_parent.setdefault(str(doc.get("parent_id")), []).append(doc)
        for region in regions:
            listing = listings[region["id"]]
            for host in sorted((d for d in stored.values() if d["type"] == "host"
                                and region_of(d) == region["id"]), key=lambda d: d["id"]):
                if hosts is None or host["id"] in hosts:
                    await _host(walker, listing, region, host, stored, by_parent, found)
            await walker.save(entry(walker, "availability_zone", "region"), region,
                              zone_docs(listing))
        await inventory.finish()
    found.applied.objects += inventory.written
    found.applied.changed_ids += inventory.changed_ids
    found.applied.failures += ctx.state.failures


async def _host(walker: Walker, listing: RegionHosts, region: Doc, host: Doc,
                stored: dict[str, Doc], by_parent: dict[str, list[Doc]],
                found: Liveness) -> None:
    name = host["id"]
    agents = listing.agents.get(name, [])
    docs = {d["id"]: d for d in (agent_doc(a) for a in agents)}
    folder = stored.get(f"{name}{FOLDER_SUFFIX}")
    known = {d["id"]: d for d in by_parent.get(f"{name}{FOLDER_SUFFIX}", [])
             if d["type"] == "network_agent"}
    listed = name in listing.host_names()
    hypervisor = ({"id": host["os_id"], "host_ip": host.get("ip_address")}
                  if host.get("os_id") is not None else None)
    fresh = host_doc(listing, name, hypervisor) if listed else {"services": {}}
    before, after = host.get("services") or {}, fresh["services"]
    for binary in sorted(set(before) | set(after)):
        _note(found, before.get(binary), after.get(binary), SERVICE_FIELDS, "host", name,
              binary, name)
    for agent_id in sorted(set(docs) | set(known)):
        doc = docs.get(agent_id) or known[agent_id]
        _note(found, known.get(agent_id), docs.get(agent_id), AGENT_FIELDS,
              "network_agent", name, str(doc.get("name")), agent_id)
    if not listed or listing.zone_id(listing.zone_of(name)) != host.get("parent_id") \
            or set(docs) != set(known) or (docs and folder is None):
        found.reread.add(name)  # agents came or went, or the host moved: re-read whole
        return
    if folder is not None and docs:
        await walker.save(entry(walker, "network_agent", "network_agents_folder"), folder,
                          list(docs.values()))
    for agent in agents:
        vedge = stored.get(str(agent["id"]).strip())
        parent = stored.get(str((vedge or {}).get("parent_id")))
        if agent.get("agent_type") in L2_AGENT_TYPES and vedge is not None \
                and vedge["type"] == "vedge" and parent is not None \
                and _vedge(vedge, agent) != {k: v for k, v in vedge.items()
                                             if k not in OWNED_ELSEWHERE}:
            # read without its ports (a compute's are many): the whole one to write
            whole = await walker.ctx.db.inventory.find_one(
                {"environment": walker.ctx.env_name, "id": vedge["id"]})
            if whole is not None:
                await walker.save(entry(walker, "vedge", "vedges_folder"), parent,
                                  [_vedge(decode_keys(whole), agent)])
    kept = {k: v for k, v in host.items()
            if k not in OWNED_ELSEWHERE and k not in ("config", "unrecognised")}
    await walker.save(entry(walker, "host", "region"), region, [kept | fresh])


def _vedge(stored: Doc, agent: Doc) -> Doc:
    """The vEdge as its fetcher makes it with this agent row: what SSH read (kept), the
    agent's fields (new)."""
    doc = {k: v for k, v in stored.items() if k not in OWNED_ELSEWHERE}
    doc.update({k: v for k, v in agent_fields(agent).items() if k not in VEDGE_OWN})
    doc["configurations"] = agent.get("configurations") or {}
    return doc


def _note(found: Liveness, before: Doc | None, after: Doc | None, fields: tuple[str, ...],
          object_type: str, host: str, name: str, object_id: str) -> None:
    """The transitions between ``before`` and ``after`` (None: not listed)."""
    if before is None and after is None:
        return
    if before is None or after is None:
        key = fields[0]
        found.transitions.append(Transition(
            object_id, object_type, host, name, key,
            None if before is None else before.get(key),
            None if after is None else after.get(key)))
        return
    for key in fields:
        if before.get(key) != after.get(key):
            found.transitions.append(Transition(object_id, object_type, host, name, key,
                                                before.get(key), after.get(key)))


async def _drop_empty_zones(services: EventServices, env: EnvironmentConfig,
                            found: Liveness) -> None:
    """A zone no host is filed under any more is gone from a scan too."""
    db = services.db
    zones = [d async for d in db.inventory.find(
        {"environment": env.name, "type": "availability_zone"}, {"id": 1})]
    hosts = {d["parent_id"] async for d in db.inventory.find(
        {"environment": env.name, "type": "host"}, {"parent_id": 1})}
    empty = [z["id"] for z in zones if z["id"] not in hosts]
    if empty:
        removed = await remove_objects(db, env.name, empty)
        found.applied.removed += len(removed.objects)
        found.applied.removed_ids += removed.objects


async def record_transitions(services: EventServices, env: EnvironmentConfig,
                             found: Liveness, origin_type: str, origin: str) -> None:
    """One ``messages`` record per agent or service that went down or up."""
    now = datetime.now(UTC)
    docs = [{
        "environment": env.name, "source_system": "Calipso",
        "level": "warning" if t.down else "info", "origin_type": origin_type,
        "origin": origin, "related_object": t.object_id,
        "related_object_type": t.object_type, "host": t.host, "field": t.field,
        "before": t.before, "after": t.after, "message": t.text(), "timestamp": now,
        "viewed": False} for t in found.transitions]
    if docs:
        await services.db.messages.insert_many(docs)
    for t in found.transitions:
        log.log(logging.WARNING if t.down else logging.INFO, "agent or service changed",
                extra={"env": env.name, "host": t.host, "object_id": t.object_id,
                       "field": t.field, "status": t.after})


class AgentPoller(Periodic):
    """Every ``interval`` seconds, the agents and Nova services of the environment
    checked (``check_liveness``: two listings per region, only what changed written),
    under the environment's lock; what went down or up is a ``messages`` record each
    (``origin_type: agent_poll``)."""

    def __init__(self, services: EventServices, env: EnvironmentConfig, lock: asyncio.Lock,
                 interval: float) -> None:
        super().__init__(services, env, lock, interval)
        self.transitions = 0
        self.failing = False

    async def round(self) -> Liveness:
        return await self.poll()

    async def poll(self) -> Liveness:
        async with self.lock:
            found = await check_liveness(self.services, self.env, "agent-poll")
            await record_transitions(self.services, self.env, found, "agent_poll",
                                     "agent-poll")
        self.rounds += 1
        self.transitions += len(found.transitions)
        failing = bool(found.applied.failures)
        if failing != self.failing:  # transitions, not repetitions
            self.failing = failing
            if failing:
                log.warning("agents not polled", extra={
                    "env": self.env.name, "error": found.applied.failures[0].error})
            else:
                log.info("agents polled again", extra={"env": self.env.name})
        return found
