"""``GET /overview``: an environment drawn small. Hosts with their instance counts, the
networks, a host joined to a network where it has vNICs on it (with their count), and the
tunnels between hosts while there are few enough to draw (else their count). ``host=``
expands one host: its instances and their networks. So 1,000 hosts draw 1,000 nodes, not
100,000."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from calipso.api.listing import check_environment
from calipso.api.operations import Answer, Call, Operation, add_operations
from calipso.api.query import EnvName, QueryModel, Text
from calipso.api.schemas import ERRORS
from calipso.errors import NotFound
from calipso.ui.changes import KeptWhileUnchanged
from calipso.ui.live import FEED

# A full mesh of n endpoints has n(n-1)/2 tunnels: past this many endpoints they are not
# read; past this many tunnels they are counted, not drawn (a mesh drawn is a hairball).
MAX_TUNNEL_ENDPOINTS = 100
MAX_TUNNELS = 60
# More host-network edges than this are not drawn (a host expanded shows its own).
MAX_NETWORK_EDGES = 2000
MONITORING = ("OK", "Warning", "Error", "Unknown")


class OverviewQuery(QueryModel):
    env_name: EnvName
    host: Text | None = Field(None, description="a host's name: its instances instead")


class OverviewNode(BaseModel):
    id: str
    object_id: Any = None
    type: Any = None
    label: Any = None
    status: Any = None
    count: int | None = None


class OverviewEdge(BaseModel):
    id: str
    source: str
    target: str
    label: Any = None
    kind: str


class Overview(BaseModel):
    environment: str
    nodes: list[OverviewNode]
    edges: list[OverviewEdge]
    tunnel_endpoints: int
    tunnels: int | None = Field(None, description="tunnels between hosts; None: not counted")
    tunnels_drawn: bool
    network_edges: int | None = None
    network_edges_drawn: bool | None = None


def _node(doc: dict[str, Any], count: int | None = None) -> dict[str, Any]:
    status = doc.get("status")
    return {"id": str(doc["_id"]), "object_id": doc.get("id"), "type": doc.get("type"),
            "label": doc.get("object_name") or doc.get("name"),
            "status": status if status in MONITORING else None, "count": count}


def _edge(kind: str, source: str, target: str, label: object = None) -> dict[str, Any]:
    return {"id": f"{kind}:{source}:{target}", "source": source, "target": target,
            "label": label, "kind": kind}


async def _grouped(db: Any, match: dict[str, Any], key: dict[str, str],
                   unwind: str | None = None) -> list[dict[str, Any]]:
    stages: list[dict[str, Any]] = [{"$match": match}]
    if unwind:
        stages.append({"$unwind": unwind})
    stages.append({"$group": {"_id": key, "n": {"$sum": 1}}})
    return [row async for row in await db.inventory.aggregate(stages)]


def _known(key: object, ids: dict[str, str]) -> bool:
    return isinstance(key, str) and key in ids


FIELDS = {"id": 1, "name": 1, "object_name": 1, "type": 1, "status": 1}


async def _tunnel_pairs(db: Any, env: str, host_ids: dict[str, str]
                        ) -> tuple[int, set[tuple[str, str]] | None]:
    """The number of tunnel endpoints, and the pairs of hosts a tunnel joins (None: too
    many endpoints to read them)."""
    oteps = await db.inventory.find({"environment": env, "type": "otep"},
                                    {"host": 1, "ip_address": 1}).to_list()
    if len(oteps) > MAX_TUNNEL_ENDPOINTS:
        return len(oteps), None
    host_of_ip = {o.get("ip_address"): o.get("host") for o in oteps}
    pairs: set[tuple[str, str]] = set()
    async for vedge in db.inventory.find({"environment": env, "type": "vedge"},
                                         {"host": 1, "tunnel_ports": 1}):
        ports = vedge.get("tunnel_ports")
        for port in ports.values() if isinstance(ports, dict) else ():
            remote = host_of_ip.get((port.get("options") or {}).get("remote_ip"))
            ends = sorted((vedge.get("host"), remote))
            if remote and ends[0] != ends[1] and all(e in host_ids for e in ends):
                pairs.add((ends[0], ends[1]))
    return len(oteps), pairs


async def _environment(call: Call, env: str) -> dict[str, Any]:
    db = call.db
    hosts = await db.inventory.find({"environment": env, "type": "host"}, FIELDS).to_list()
    if not hosts:
        await check_environment(call, env)
    # one pass over the instances and vNICs: instances by host, vNICs by host and network
    groups = await _grouped(db, {"environment": env, "type": {"$in": ["instance", "vnic"]}},
                            {"type": "$type", "host": "$host", "network": "$network"})
    instances: dict[str, int] = {}
    for row in groups:
        if row["_id"].get("type") == "instance" and isinstance(row["_id"].get("host"), str):
            host = row["_id"]["host"]
            instances[host] = instances.get(host, 0) + row["n"]
    networks = await db.inventory.find({"environment": env, "type": "network"},
                                       FIELDS).to_list()
    host_ids = {h["id"]: str(h["_id"]) for h in hosts}
    net_ids = {n["id"]: str(n["_id"]) for n in networks}
    edges = [_edge("vnics", host_ids[r["_id"]["host"]], net_ids[r["_id"]["network"]],
                   f"{r['n']} vNIC" + ("s" if r["n"] > 1 else ""))
             for r in groups if r["_id"].get("type") == "vnic"
             and _known(r["_id"].get("host"), host_ids)
             and _known(r["_id"].get("network"), net_ids)]
    network_edges = len(edges)
    if network_edges > MAX_NETWORK_EDGES:
        edges = []
    endpoints, pairs = await _tunnel_pairs(db, env, host_ids)
    drawn = pairs is not None and len(pairs) <= MAX_TUNNELS
    if drawn:
        edges += [_edge("tunnel", host_ids[a], host_ids[b], "tunnel") for a, b in sorted(pairs)]
    nodes = ([_node(h, instances.get(h["id"], 0)) for h in hosts]
             + [_node(n) for n in networks])
    return {"environment": env, "nodes": nodes, "edges": edges, "tunnel_endpoints": endpoints,
            "tunnels": None if pairs is None else len(pairs), "tunnels_drawn": drawn,
            "network_edges": network_edges,
            "network_edges_drawn": network_edges <= MAX_NETWORK_EDGES}


async def _host(call: Call, env: str, host: str) -> dict[str, Any]:
    db = call.db
    host_doc = await db.inventory.find_one({"environment": env, "type": "host", "id": host},
                                           FIELDS)
    if host_doc is None:
        await check_environment(call, env)
        raise NotFound(f"no host {host} in {env}", field="host")
    instances = await db.inventory.find({"environment": env, "type": "instance", "host": host},
                                        FIELDS | {"network": 1}).to_list()
    wanted = {n for i in instances for n in (i.get("network") or [])}
    networks = await db.inventory.find({"environment": env, "type": "network",
                                        "id": {"$in": sorted(wanted)}}, FIELDS).to_list()
    net_ids = {n["id"]: str(n["_id"]) for n in networks}
    host_id = str(host_doc["_id"])
    edges = [_edge("instance", host_id, str(i["_id"])) for i in instances]
    edges += [_edge("network", str(i["_id"]), net_ids[n])
              for i in instances for n in (i.get("network") or []) if n in net_ids]
    return {"environment": env, "nodes": [_node(host_doc, len(instances))]
            + [_node(i) for i in instances] + [_node(n) for n in networks],
            "edges": edges, "tunnel_endpoints": 0, "tunnels": None, "tunnels_drawn": False}


CACHE = web.AppKey("ui_overview_cache", KeptWhileUnchanged)


async def get_overview(call: Call) -> object:
    q: OverviewQuery = call.query
    if q.host is not None:
        return await _host(call, q.env_name, q.host)
    return await call.request.app[CACHE].get(q.env_name,
                                             lambda: _environment(call, q.env_name))


OPERATIONS = (
    Operation("GET", "/overview", get_overview,
              "An environment's hosts, networks and tunnels; or one host's instances", "ui",
              query=OverviewQuery, answers={200: Answer("nodes and edges", Overview),
                                            **ERRORS}),
)


async def _cache(app: web.Application) -> None:
    app[CACHE] = KeptWhileUnchanged(app[FEED])


def setup(app: web.Application) -> None:
    app.on_startup.append(_cache)
    add_operations(app, OPERATIONS)
