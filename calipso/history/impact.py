"""Impact: what depends on an object, and what an object depends on, from the links.

Links point from what depends to what it depends on (``instance-vnic``, ``vnic-vconnector``,
``vconnector-vedge``, ``vedge-otep``, ``otep-host_pnic``, ``host_pnic-network``...). So:

- the dependants of an object are found walking links backwards (target to source) from it,
  and, for a host, from every object it holds (its subtree); for a network, the instances
  and vServices attached to it are its dependants directly;
- what an object depends on is found walking links forwards, plus the host it runs on.

Each level of the walk is one query per chunk of ids, sent together (server-side, indexed
by ``source_id`` / ``target_id``); ``depth`` bounds the levels. Every object reached keeps the
path that reached it, so each dependant comes with the chain of links that makes it one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from calipso.errors import NotFound
from calipso.inventory import Doc, chunks

DEFAULT_DEPTH = 10
MAX_DEPTH = 30
# ids per `$in`: SecantusDB answers several small `$in` queries at once faster than one
# large one (about 6x at 500 ids)
_CHUNK = 50
_LABEL = {"_id": 0, "id": 1, "type": 1, "name": 1, "host": 1, "network": 1,
          "project_id": 1, "tenant_id": 1, "project": 1}
# What a dependant is reported as, by type
DEPENDANT_GROUPS = {"instance": "instances", "vservice": "vservices", "otep": "tunnels",
                    "network": "networks"}


@dataclass(slots=True)
class Step:
    """How an object was reached: from ``via`` (None for a starting point) by a link."""

    via: str | None
    link_type: str


@dataclass(slots=True)
class Walk:
    steps: dict[str, Step] = field(default_factory=dict)

    def path(self, object_id: str) -> list[Doc]:
        """From ``object_id`` back to where the walk started."""
        out: list[Doc] = []
        current: str | None = object_id
        while current is not None:
            step = self.steps[current]
            out.append({"id": current, "link_type": step.link_type})
            current = step.via
        return out


async def _find_in(collection: AsyncCollection, env: str, field: str, ids: list[str],
                   projection: Doc, **extra: Any) -> list[Doc]:
    """The documents whose ``field`` is one of ``ids``, in chunks queried together."""
    async def chunk_of(chunk: list[str]) -> list[Doc]:
        query = {"environment": env, field: {"$in": chunk}, **extra}
        return await collection.find(query, projection).to_list(None)
    found = await asyncio.gather(*(chunk_of(c) for c in chunks(ids, _CHUNK)))
    return [doc for docs in found for doc in docs]


async def _object(db: AsyncDatabase, env: str, object_id: str) -> Doc:
    doc = await db.inventory.find_one({"environment": env, "id": object_id},
                                      {**_LABEL, "id_path": 1})
    if doc is None:
        raise NotFound(f"no object {object_id} in environment {env}")
    return doc


async def _held(db: AsyncDatabase, env: str, host: str, id_path: str) -> list[str]:
    """What a host holds: its subtree, level by level down ``parent_id`` (indexed), kept
    to the objects whose ``id_path`` lies under the host's."""
    held: list[str] = []
    frontier = [host]
    while frontier:
        found = [doc["id"] for doc in await _find_in(
            db.inventory, env, "parent_id", frontier, {"_id": 0, "id": 1, "id_path": 1})
            if doc.get("id_path", "").startswith(id_path + "/")]
        held += found
        frontier = found
    return held


async def _attached(db: AsyncDatabase, env: str, network: str) -> list[str]:
    """The instances and vServices whose ``network`` names it (indexed by environment and
    network; vNICs and ports carry it too and are left out)."""
    cursor = db.inventory.find({"environment": env, "network": network},
                               {"_id": 0, "id": 1, "type": 1})
    return [doc["id"] async for doc in cursor if doc.get("type") in ("instance", "vservice")]


async def _walk(db: AsyncDatabase, env: str, starts: dict[str, Step], depth: int,
                backwards: bool) -> Walk:
    walk = Walk(dict(starts))
    frontier = list(starts)
    near, far = ("target_id", "source_id") if backwards else ("source_id", "target_id")
    for _ in range(depth):
        found: list[str] = []
        for link in await _find_in(db.links, env, near, frontier,
                                   {"_id": 0, near: 1, far: 1, "link_type": 1}):
            other = link[far]
            if other not in walk.steps:
                walk.steps[other] = Step(link[near], link["link_type"])
                found.append(other)
        if not found:
            break
        frontier = found
    return walk


async def _labels(db: AsyncDatabase, env: str, ids: list[str]) -> dict[str, Doc]:
    return {doc["id"]: doc for doc in await _find_in(db.inventory, env, "id", ids, _LABEL)}


def _networks_of(doc: Doc) -> list[str]:
    value = doc.get("network")
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) and doc.get("type") != "network" else []


async def dependants(db: AsyncDatabase, env: str, object_id: str,
                     depth: int = DEFAULT_DEPTH) -> Doc:
    """What depends on ``object_id``: instances, vServices, tunnels (OTEPs), networks and
    projects, each with its path (the dependant first, the object last)."""
    target = await _object(db, env, object_id)
    starts: dict[str, Step] = {object_id: Step(None, "")}
    if target.get("type") == "host":
        for held in await _held(db, env, object_id, target.get("id_path", "")):
            starts[held] = Step(object_id, "holds")
    elif target.get("type") == "network":
        for attached in await _attached(db, env, object_id):
            starts[attached] = Step(object_id, "attached")
    # a network's dependants are what is attached to it; walking back from it would reach
    # every host that carries it and all on them
    walk = (Walk(dict(starts)) if target.get("type") == "network"
            else await _walk(db, env, starts, depth, backwards=True))
    labels = await _labels(db, env, list(walk.steps))
    groups: dict[str, dict[str, Doc]] = {g: {} for g in (*DEPENDANT_GROUPS.values(),
                                                         "projects")}
    for reached, label in labels.items():
        if reached == object_id:
            continue
        group = DEPENDANT_GROUPS.get(label.get("type", ""))
        if group is not None:
            groups[group][reached] = _entry(label, walk.path(reached))
    # networks: those the dependants are attached to (not a network's: its instances'
    # other networks do not depend on it)
    holders = [] if target.get("type") == "network" else [
        *groups["instances"].values(), *groups["vservices"].values()]
    for holder in holders:
        for net in _networks_of(labels[holder["id"]]):
            if net != object_id:
                groups["networks"].setdefault(net, {
                    "id": net, "type": "network",
                    "path": [{"id": net, "link_type": "attached"}, *holder["path"]]})
    if target.get("type") == "host_pnic":  # the networks carried through this pNIC
        async for link in db.links.find({"environment": env, "source_id": object_id,
                                         "link_type": "host_pnic-network"},
                                        {"_id": 0, "target_id": 1}):
            groups["networks"].setdefault(link["target_id"], {
                "id": link["target_id"], "type": "network",
                "path": [{"id": link["target_id"], "link_type": "host_pnic-network"},
                         {"id": object_id, "link_type": ""}]})
    nets = await _labels(db, env, [n for n in groups["networks"] if n not in labels])
    for net_id, entry in groups["networks"].items():
        entry["name"] = (labels.get(net_id) or nets.get(net_id) or {}).get("name", "")
        labels.setdefault(net_id, nets.get(net_id, {}))
    for group in ("instances", "networks"):
        for entry in groups[group].values():
            label = labels.get(entry["id"], {})
            project = label.get("project_id") or label.get("tenant_id")
            if project:
                groups["projects"].setdefault(project, {
                    "id": project, "type": "project", "path": entry["path"]})
    return {"environment": env, "object": _entry(target, []), "depth": depth,
            **{g: sorted(v.values(), key=lambda e: e["id"]) for g, v in groups.items()}}


async def dependencies(db: AsyncDatabase, env: str, object_id: str,
                       depth: int = DEFAULT_DEPTH) -> Doc:
    """What ``object_id`` depends on, by type, each with its path (the object first)."""
    source = await _object(db, env, object_id)
    walk = await _walk(db, env, {object_id: Step(None, "")}, depth, backwards=False)
    host = source.get("host")
    if isinstance(host, str) and host != object_id and host not in walk.steps:
        walk.steps[host] = Step(object_id, "runs on")
    for net in _networks_of(source):
        walk.steps.setdefault(net, Step(object_id, "attached"))
    labels = await _labels(db, env, list(walk.steps))
    by_type: dict[str, list[Doc]] = {}
    for reached, label in sorted(labels.items()):
        if reached != object_id:
            path = list(reversed(walk.path(reached)))
            by_type.setdefault(label.get("type", ""), []).append(_entry(label, path))
    return {"environment": env, "object": _entry(source, []), "depth": depth,
            "depends_on": by_type}


def _entry(label: Doc, path: list[Doc]) -> Doc:
    out: dict[str, Any] = {"id": label["id"], "type": label.get("type", ""),
                           "name": label.get("name", "")}
    if path:
        out["path"] = path
    return out
