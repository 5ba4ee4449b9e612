"""Targeted work for one event: re-read some networks (with their ports), some hosts
(with their subtrees) and some parts of hosts by the same fetchers, walker and placement
a full scan uses, then find only the links that touch what was re-read and rebuild only
the cliques around it.

Objects written here are the full scan's objects for the same cloud: same fetchers, same
placement, same writer. What a network, a host or a host's part re-read no longer holds
is removed with its links and cliques. An instance's event re-reads its own ports (by
device) and, on its host, only what an instance changes there (``INSTANCE_PARTS``).
Where a network's set of hosts changed (a host joining or leaving it), the hosts that
joined or left are re-read whole and the network's other hosts' tunnels (their vEdge
and OTEP: l2population) are. When a network's number of ports changed, the hosts with a
DHCP agent are re-read lightly (``agents.py``: their agents count the ports).

The context is a scan context over part of the environment: ``of_type`` answers with the
stored objects of the types fetchers consult (projects, zones, regions, networks, ports),
overlaid by what this run re-read; ``lookup`` with this run's objects, else the stored ones.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from calipso.cliques import rebuild_cliques_around
from calipso.env_config import EnvironmentConfig
from calipso.errors import FetchError
from calipso.events.agents import refresh_dhcp_hosts
from calipso.events.services import EventServices
from calipso.events.work import Applied, entry
from calipso.fetchers.api.api_fetch_ports import ApiFetchPorts
from calipso.fetchers.api.api_fetch_project_hosts import ApiFetchProjectHosts
from calipso.inventory import InventoryWriter, Removed, chunks, decode_keys, remove_objects
from calipso.inventory.origin import change_origin
from calipso.links import LinkContext, LinkScope, find_links
from calipso.log import ContextLogger
from calipso.metrics import SOURCE_FAILURES
from calipso.scanners.context import ScanContext
from calipso.scanners.metadata import FetchType, condition_holds
from calipso.scanners.scan import now_ms
from calipso.scanners.walker import Walker
from calipso.sources import FetchFailure, open_sources

log = logging.getLogger(__name__)
Doc = dict[str, Any]
# the stored objects fetchers consult through ``of_type`` (see calipso/sources/README.md)
CONSULTED = ("region", "project", "availability_zone", "aggregate", "network", "port")
# what an instance booted, deleted, changed or moved changes on its host (the host
# object itself too); the rest of the host changes only when it joins or leaves a network
INSTANCE_PARTS = frozenset({"instances_folder", "vconnectors_folder", "vedges_folder",
                            "network_agents_folder"})
# what another host joining or leaving one of its networks changes on a host
TUNNEL_PARTS = frozenset({"vedges_folder"})
# what the writer adds to a stored object (no fetcher made it)
STORED_ONLY = ("environment", "digest", "patch_digest", "last_scanned", "discovered_at",
               "stale")


@dataclass(slots=True)
class Targets:
    """What one event (or one round of reconciliation) asks to re-read."""

    networks: set[str] = field(default_factory=set)
    hosts: set[str] = field(default_factory=set)
    # add the network hosts (L3 and DHCP agents): a router is seen there before any port
    network_hosts: bool = False
    # a reconciliation: add the networks where listing and inventory disagree and those
    # with a port bound to one of ``hosts``
    drift: bool = False
    # instances whose own ports are re-read (``ports?device_id=``), not their networks'
    devices: set[str] = field(default_factory=set)
    # hosts where only what an instance changes is re-read (``INSTANCE_PARTS``)
    instance_hosts: set[str] = field(default_factory=set)

    @classmethod
    def union(cls, targets: list[Targets]) -> Targets:
        """What several events ask to re-read, as one."""
        return cls(networks=set().union(*(t.networks for t in targets)),
                   hosts=set().union(*(t.hosts for t in targets)),
                   network_hosts=any(t.network_hosts for t in targets),
                   drift=any(t.drift for t in targets),
                   devices=set().union(*(t.devices for t in targets)),
                   instance_hosts=set().union(*(t.instance_hosts for t in targets)))


async def _preload(ctx: ScanContext) -> dict[str, Doc]:
    """The stored objects fetchers consult, as a fetcher made them (no stamps)."""
    cursor = ctx.db.inventory.find({"environment": ctx.env_name, "type": {"$in": CONSULTED}},
                                   {"_id": 0, **dict.fromkeys(STORED_ONLY, 0)})
    async for doc in cursor:
        ctx.state.remember(decode_keys(doc))
    return dict(ctx.state.objects)


async def _preload_pnics(ctx: ScanContext, hosts: set[str], before: dict[str, Doc]) -> None:
    """The stored host pNICs of ``hosts``, whose vEdges are re-read without them (the
    vEdge and OTEP fetchers look them up), taken as unchanged."""
    if not hosts:
        return
    async for doc in ctx.db.inventory.find({"environment": ctx.env_name, "type": "host_pnic"},
                                           {"_id": 0, **dict.fromkeys(STORED_ONLY, 0)}):
        if doc.get("host") in hosts:
            ctx.state.remember(pnic := decode_keys(doc))
            before[pnic["id"]] = pnic


def _as_listed(ctx: ScanContext, object_type: str, listing: list[Doc], failed: bool) -> None:
    """``of_type(object_type)`` as the API lists them, as in a scan: only what is listed
    (unless the listing failed), in its order (fetchers that take the first match or
    build lists, such as a router's networks, depend on it)."""
    rank = {str(d["id"]).strip(): i for i, d in enumerate(listing)}
    bucket = ctx.state.by_type.get(object_type, [])
    if not failed:
        bucket[:] = [d for d in bucket if d["id"] in rank]
    bucket.sort(key=lambda d: rank.get(d["id"], len(rank)))


def _hosts_of(ports: list[Doc], networks: set[str]) -> set[str]:
    return {str(p["binding:host_id"]) for p in ports
            if p.get("network_id") in networks and p.get("binding:host_id")}


@dataclass(slots=True)
class NetworkHosts:
    """Where the re-read networks are, before and after."""

    hosts: set[str] = field(default_factory=set)  # every host of theirs, before or after
    # the hosts of the networks whose set of hosts changed: a host joining or leaving a
    # network changes the tunnels (and l2population entries) of the others
    moved: set[str] = field(default_factory=set)
    joined: set[str] = field(default_factory=set)  # those that joined or left one
    counted: bool = False  # a network's number of ports changed (DHCP agents count them)
    failed: bool = False  # a listing could not be read


def _compare(before: list[Doc], after: list[Doc], networks: set[str]) -> NetworkHosts:
    found = NetworkHosts(_hosts_of(before, networks) | _hosts_of(after, networks))
    for network in networks:
        was = [p for p in before if p.get("network_id") == network]
        now = [p for p in after if p.get("network_id") == network]
        if (hosts_was := _hosts_of(was, {network})) != (hosts_now := _hosts_of(now, {network})):
            found.moved |= hosts_was | hosts_now
            found.joined |= hosts_was ^ hosts_now
        found.counted |= len(was) != len(now)
    return found


def _merge(found: NetworkHosts, more: NetworkHosts) -> NetworkHosts:
    return NetworkHosts(found.hosts | more.hosts, found.moved | more.moved,
                        found.joined | more.joined, found.counted or more.counted,
                        found.failed or more.failed)


@dataclass(slots=True)
class DevicePorts:
    """What re-reading some instances' own ports found."""

    found: NetworkHosts
    networks: set[str]  # the networks of their ports, before or after
    removed: Removed  # their ports no longer listed


async def _refresh_devices(walker: Walker, devices: set[str],
                           before: dict[str, Doc]) -> DevicePorts:
    """Re-read the ports of ``devices`` (instances), one ``ports?device_id=`` listing
    each, instead of their networks' ports; those no longer listed are removed. Says
    where their networks are, before and after (the other ports of those networks as
    stored)."""
    ctx = walker.ctx
    port_entry = entry(walker, "port", "region")
    fetcher = ApiFetchPorts(ctx)
    failed = False
    listed: list[Doc] = []
    for region in list(ctx.of_type("region")):
        wanted = sorted(devices)
        answers = await asyncio.gather(*(fetcher.of_device(region["id"], d) for d in wanted),
                                       return_exceptions=True)
        mine: list[Doc] = []
        for answer in answers:
            if isinstance(answer, FetchError):
                failed = True
                ctx.report_failure(FetchFailure("port", f"/{ctx.env_name}", answer.source,
                                                answer.target, answer.detail))
            elif isinstance(answer, BaseException):
                raise answer
            else:
                mine += answer
        listed += await walker.save(port_entry, region, mine)
    stored = [d for d in before.values() if d.get("type") == "port"]
    gone: list[str] = []
    if not failed:  # what could not be read is kept
        seen = {d["id"] for d in listed}
        gone = [d["id"] for d in stored if d.get("device_id") in devices and d["id"] not in seen]
        # ``of_type("port")``: the devices' ports as listed, after the others
        bucket = ctx.state.by_type.setdefault("port", [])
        bucket[:] = [d for d in bucket if d.get("device_id") not in devices] + listed
        for port_id in gone:
            ctx.state.objects.pop(port_id, None)
    await ctx.inventory.finish()
    removed = await remove_objects(ctx.db, ctx.env_name, gone)
    after = [*(d for d in stored if d.get("device_id") not in devices or failed), *listed]
    networks = {str(d.get("network_id")) for d in [*stored, *listed]
                if d.get("device_id") in devices}
    found = _compare(stored, [{**d, "network_id": str(d.get("network_id"))} for d in after],
                     networks)
    found.failed = failed
    return DevicePorts(found, networks, removed)


async def _refresh_networks(walker: Walker, networks: set[str], before: dict[str, Doc],
                            drift_on: set[str] | None = None) -> NetworkHosts:
    """Read the region's network and port listings; re-read ``networks`` and their ports
    from them; says where those networks are, before (``before``: the stored objects)
    and after.

    ``drift_on`` (a reconciliation of those hosts) adds the networks the listing and the
    inventory disagree on, and those with a port bound to one of the hosts."""
    ctx = walker.ctx
    net_entry, port_entry = entry(walker, "network", "region"), entry(walker, "port", "region")
    failures = len(ctx.state.failures)
    wanted = set(networks)
    after: list[Doc] = []
    listed: dict[str, list[Doc]] = {"network": [], "port": []}
    for region in list(ctx.of_type("region")):
        fetched = await walker.fetch(net_entry, region, region["id"])
        if drift_on is not None:
            ids = {str(d["id"]).strip() for d in fetched}
            known = {n["id"] for n in ctx.of_type("network")}
            wanted |= (ids ^ known) if len(ctx.state.failures) == failures else set()
        await _save_networks(walker, net_entry, region, fetched, wanted)
        ports = await walker.fetch(port_entry, region, region["id"])
        if drift_on is not None:
            more = {str(p["network_id"]) for p in ports
                    if p.get("binding:host_id") in drift_on} - wanted
            await _save_networks(walker, net_entry, region, fetched, more)
            wanted |= more
        mine = [d for d in ports if str(d.get("network_id")) in wanted]
        await walker.save(port_entry, region, mine)
        after += mine
        listed["network"] += fetched
        listed["port"] += ports
    for object_type, listing in listed.items():
        _as_listed(ctx, object_type, listing, len(ctx.state.failures) > failures)
    await ctx.inventory.finish()
    if len(ctx.state.failures) == failures:  # what could not be read is kept
        for network in sorted(wanted):
            stored = await ctx.db.inventory.find_one(
                {"environment": ctx.env_name, "id": network}, {"id_path": 1})
            if stored is not None:
                await ctx.inventory.remove_unseen([], within=stored["id_path"])
    found = _compare([d for d in before.values() if d.get("type") == "port"],
                     [{**d, "network_id": str(d.get("network_id"))} for d in after], wanted)
    found.failed = len(ctx.state.failures) > failures
    return found


async def _save_networks(walker: Walker, entry: FetchType, region: Doc, fetched: list[Doc],
                         networks: set[str]) -> None:
    saved = await walker.save(entry, region,
                              [d for d in fetched if str(d["id"]).strip() in networks])
    if entry.children_scanner and saved:
        await walker.walk_children(entry, saved)


async def _save_hosts(walker: Walker, hosts: set[str]) -> tuple[list[Doc], list[Doc]]:
    """Re-read the host objects of ``hosts`` (the host fetcher reads the OS of those
    only); returns them as stored and as re-read. A host not in the inventory is left to
    a scan (only a scan files new hosts under their zones)."""
    ctx = walker.ctx
    stored = [doc for doc in [await ctx.lookup(h) for h in sorted(hosts)] if doc is not None]
    if not stored:
        return [], []
    host_entry = entry(walker, "host", "region")
    wanted = {doc["id"] for doc in stored}
    saved: list[Doc] = []
    for region in list(ctx.of_type("region")):
        if isinstance(host_entry.fetcher, type) and \
                issubclass(host_entry.fetcher, ApiFetchProjectHosts):
            try:
                fetched = await host_entry.fetcher(ctx).named(region["id"], wanted)
            except FetchError as err:  # as the walker records a failed fetch
                ctx.report_failure(FetchFailure("host", f"/{ctx.env_name}", err.source,
                                                err.target, err.detail))
                fetched = []
        else:
            fetched = await walker.fetch(host_entry, region, region["id"])
        saved += await walker.save(host_entry, region,
                                   [d for d in fetched if str(d["id"]).strip() in wanted])
    return stored, saved


async def _refresh_hosts(walker: Walker, hosts: set[str]) -> list[str]:
    """Re-read ``hosts`` side by side, each with its subtree, as a scan reads them;
    returns the ``id_path`` of each host re-read."""
    stored, saved = await _save_hosts(walker, hosts)
    host_entry = entry(walker, "host", "region")
    if host_entry.children_scanner and saved:
        await walker.walk_children(host_entry, saved)
    await walker.ctx.inventory.finish()
    return [doc["id_path"] for doc in stored]


async def _refresh_parts(walker: Walker, parts: dict[str, frozenset[str]],
                         oteps: set[str]) -> list[str]:
    """Re-read some parts of some hosts (``parts``: host → fetch types of its scanner,
    see ``INSTANCE_PARTS``), with the host object; the vEdges' OTEPs only on ``oteps``.
    Returns the ``id_path`` of each folder re-read whole (a vEdges' folder whose OTEP
    was not re-read is not)."""
    ctx = walker.ctx
    _, saved = await _save_hosts(walker, set(parts))
    host_entry = entry(walker, "host", "region")
    folders: list[Doc] = []
    if host_entry.children_scanner:
        async with asyncio.TaskGroup() as group:
            for host in saved:
                group.create_task(_walk_parts(walker, host_entry, host, parts[host["id"]],
                                              host["id"] in oteps, folders))
    await ctx.inventory.finish()
    return [f["id_path"] for f in folders
            if f["type"] != "vedges_folder" or f["host"] in oteps]


async def _walk_parts(walker: Walker, host_entry: FetchType, host: Doc,
                      parts: frozenset[str], otep: bool, folders: list[Doc]) -> None:
    """Some parts of one host; the vEdge's children (its OTEP) only with ``otep``. The
    host's connection is released after, as the walker does after a host."""
    try:
        await _walk_host_parts(walker, host_entry, host, parts, otep, folders)
    finally:  # the pool's connections are bounded
        if walker.ctx.ssh is not None:
            await walker.ctx.ssh.release(host["id"])


async def _walk_host_parts(walker: Walker, host_entry: FetchType, host: Doc,
                           parts: frozenset[str], otep: bool, folders: list[Doc]) -> None:
    """The parts' folders, then what is under each, side by side: no fetcher of one part
    looks up what another part's fetchers make."""
    assert host_entry.children_scanner is not None
    env_doc = walker.ctx.env.model_dump(mode="json")
    host_id = str(host.get(host_entry.child_id_field, host["id"]))
    async with asyncio.TaskGroup() as group:
        for fetch_type in walker.tree.scanners[host_entry.children_scanner]:
            if fetch_type.type not in parts or not condition_holds(fetch_type.conditions,
                                                                    env_doc):
                continue
            saved = await walker.save(fetch_type, host,
                                      await walker.fetch(fetch_type, host, host_id))
            folders += [{**f, "host": host["id"]} for f in saved]
            if not (fetch_type.children_scanner and saved):
                continue
            if otep or fetch_type.type != "vedges_folder":
                group.create_task(walker.walk_children(fetch_type, saved))
                continue
            for vedge_type in walker.tree.scanners[fetch_type.children_scanner]:
                if condition_holds(vedge_type.conditions, env_doc):
                    for folder in saved:  # the vEdge, not its OTEP
                        group.create_task(_fetch_and_save(walker, vedge_type, folder, str(
                            folder.get(fetch_type.child_id_field, folder["id"]))))


async def _fetch_and_save(walker: Walker, fetch_type: FetchType, parent: Doc,
                          parent_id: str) -> None:
    await walker.save(fetch_type, parent, await walker.fetch(fetch_type, parent, parent_id))


async def _network_hosts(ctx: ScanContext) -> set[str]:
    cursor = ctx.db.inventory.find({"environment": ctx.env_name, "type": "host",
                                    "host_type": "Network"}, {"id": 1})
    return {d["id"] async for d in cursor}


async def _link_endpoints(ctx: ScanContext, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for end in ("source_id", "target_id"):  # one indexed field a query ($or scans)
        for chunk in chunks(ids, 2000):
            async for link in ctx.db.links.find({"environment": ctx.env_name, end: {"$in": chunk}},
                                                {"source_id": 1, "target_id": 1}):
                found.update((link["source_id"], link["target_id"]))
    return found


async def apply(services: EventServices, env: EnvironmentConfig, targets: Targets,
                origin: str) -> Applied:
    """Re-read ``targets`` and bring inventory, links and cliques up to date around them."""
    with change_origin("event", event=origin):
        applied = await _apply(services, env, targets, origin)
    for failure in applied.failures:
        SOURCE_FAILURES.labels(env.name, failure.source or "unknown").inc()
    return applied


async def _apply(services: EventServices, env: EnvironmentConfig, targets: Targets,
                 origin: str) -> Applied:
    scanned_at = now_ms()
    adapter = ContextLogger(log, {"env": env.name, "event": origin})
    inventory = InventoryWriter(services.db, env.name, scanned_at)
    applied = Applied()
    mark = time.perf_counter()
    async with open_sources(env, services.settings, services.db,
                            services.ssh_pools) as sources:
        ctx = ScanContext(env=env, settings=services.settings, db=services.db,
                          inventory=inventory, api=sources.api, mysql=sources.mysql,
                          ssh=sources.ssh, log=adapter, scan_id=origin, started_at=scanned_at)
        await inventory.load_existing()
        before = await _preload(ctx)
        mark = applied.timed("load", mark)
        walker = Walker(ctx, services.metadata.scanners)
        removals: list[Removed] = []

        def note_removed() -> None:  # each removal replaces the writer's last_removed
            if not removals or removals[-1] is not inventory.last_removed:
                removals.append(inventory.last_removed)

        networks = set(targets.networks)
        # the region's listings (membership and order of the networks and ports, as a
        # scan sees them) for whatever re-reads networks or whole hosts
        listing = bool(networks or targets.hosts or targets.drift or targets.network_hosts)
        found = NetworkHosts()
        if targets.devices:
            devices = await _refresh_devices(walker, targets.devices, before)
            removals.append(devices.removed)
            found = devices.found
            if found.joined or found.failed:  # whole hosts re-read: their networks too
                networks |= devices.networks
                listing = True
            mark = applied.timed("ports", mark)
        if listing:
            found = _merge(found, await _refresh_networks(
                walker, networks, before, targets.hosts if targets.drift else None))
            note_removed()
            mark = applied.timed("networks", mark)
        # whole: the hosts named, those that joined or left a network (or all of a
        # network's hosts for a reconciliation or a listing that failed)
        hosts = set(targets.hosts) | (found.hosts if targets.drift or found.failed
                                      else found.joined)
        if targets.network_hosts:
            hosts |= await _network_hosts(ctx)
        # in part: the instances' hosts, and the other hosts of a network whose hosts
        # changed (their tunnels: the vEdge and its OTEP)
        parts = {h: INSTANCE_PARTS if h in targets.instance_hosts else TUNNEL_PARTS
                 for h in (targets.instance_hosts | found.moved) - hosts}
        await _preload_pnics(ctx, set(parts), before)
        whole, partly = await asyncio.gather(_refresh_hosts(walker, hosts),
                                             _refresh_parts(walker, parts, found.moved))
        for path in [*whole, *partly]:
            await inventory.remove_unseen(
                [(f.object_type, f.scope) for f in ctx.state.failures], within=path)
            note_removed()
        await inventory.finish()
        mark = applied.timed("hosts", mark)
        hosts |= set(parts)
        applied.hosts = sorted(hosts)
        applied.failures = list(ctx.state.failures)
    light = Applied()  # the DHCP agents' hosts: objects no link or clique holds
    if found.counted:
        await refresh_dhcp_hosts(services, env, origin, light, frozenset(hosts))
        mark = applied.timed("agents", mark)
    gone = [i for r in removals for i in r.objects]
    affected = [i for r in removals for i in r.affected_focal_points]
    applied.objects, applied.removed = inventory.written + light.objects, len(gone)
    applied.changed_ids = inventory.changed_ids + light.changed_ids
    applied.removed_ids = gone
    applied.failures += light.failures
    # every object re-read, changed or not: some links hang on objects that did not
    # change (a host's NIC gets a link to a network when a port of it lands there)
    # (but a port is no link's end: those unchanged are left out, or a network re-read
    # with its many ports would scope every link query to all of them)
    changed = set(inventory.changed_ids)
    reread = [i for i, doc in ctx.state.objects.items() if before.get(i) is not doc
              and (doc.get("type") != "port" or i in changed)]
    touched = reread + [i for i in gone if i not in ctx.state.objects]
    if not inventory.changed_ids and not gone:
        return applied  # the same objects make the same links and cliques
    link_ctx = LinkContext(db=services.db, env=env, scanned_at=scanned_at, log=adapter,
                           scope=LinkScope(object_ids=frozenset(touched)))
    around = await _link_endpoints(ctx, touched)
    await find_links(link_ctx, services.metadata.link_plan)
    around |= await _link_endpoints(ctx, touched)
    mark = applied.timed("links", mark)
    await rebuild_cliques_around(link_ctx, [*touched, *around, *affected])
    applied.timed("cliques", mark)
    applied.links = link_ctx.written.get("links", 0)
    applied.cliques = link_ctx.written.get("cliques", 0)
    return applied
