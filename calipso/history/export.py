"""Exports of a clique, an object's neighbourhood or a whole environment as JSON Graph,
GraphML (yEd, Gephi) or DOT (Graphviz); import of a JSON Graph export into a new
environment, through the inventory writers (recorded in history as ``by: import``).

A graph is its nodes (inventory objects, keyed by ``id``) and edges (links, keyed by
``link_type``, ``source_id``, ``target_id``). JSON Graph keeps whole documents (less their
bookkeeping and database ids) in ``metadata``, so it imports back; GraphML and DOT keep
the labels a drawing needs.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase

from calipso.errors import Conflict, InvalidInput, NotFound
from calipso.history.formats import FORMATS
from calipso.inventory import Doc, InventoryWriter, LinkWriter, change_origin, chunks, decode_keys
from calipso.inventory.revisions import kept

_CHUNK = 500
_NEIGHBOURHOOD_MAX = 10


@dataclass(slots=True)
class Graph:
    environment: str
    scope: str
    nodes: dict[str, Doc]
    edges: list[Doc]


def _clean(doc: Doc) -> Doc:
    """A document as an export holds it: no bookkeeping, no database ids."""
    return {k: v for k, v in decode_keys(kept(doc)).items() if not isinstance(v, ObjectId)}


async def _objects(db: AsyncDatabase, env: str, ids: list[str]) -> dict[str, Doc]:
    out: dict[str, Doc] = {}
    for chunk in chunks(ids, _CHUNK):
        async for doc in db.inventory.find({"environment": env, "id": {"$in": chunk}}):
            out[doc["id"]] = _clean(doc)
    return out


async def _links_among(db: AsyncDatabase, env: str, ids: set[str]) -> list[Doc]:
    out: list[Doc] = []
    for chunk in chunks(sorted(ids), _CHUNK):
        async for link in db.links.find({"environment": env, "source_id": {"$in": chunk}}):
            if link["target_id"] in ids:
                out.append(_clean(link))
    return out


async def environment_graph(db: AsyncDatabase, env: str) -> Graph:
    nodes = {doc["id"]: _clean(doc) async for doc in db.inventory.find({"environment": env})}
    if not nodes:
        raise NotFound(f"environment {env} holds no objects")
    edges = [_clean(link) async for link in db.links.find({"environment": env})]
    return Graph(env, "environment", nodes, edges)


async def clique_graph(db: AsyncDatabase, env: str, focal_point_id: str) -> Graph:
    clique = await db.cliques.find_one({"environment": env, "focal_point_id": focal_point_id})
    if clique is None:
        raise NotFound(f"no clique of {focal_point_id} in environment {env}")
    ids = set(clique.get("nodes", []))
    ids.add(focal_point_id)
    nodes = await _objects(db, env, sorted(ids))
    edges = await _links_among(db, env, set(nodes))
    return Graph(env, f"clique {focal_point_id}", nodes, edges)


async def neighbourhood_graph(db: AsyncDatabase, env: str, object_id: str,
                              depth: int = 1) -> Graph:
    """The object and what lies within ``depth`` links of it, either way."""
    if not 1 <= depth <= _NEIGHBOURHOOD_MAX:
        raise InvalidInput(f"depth: from 1 to {_NEIGHBOURHOOD_MAX}", field="depth")
    if await db.inventory.find_one({"environment": env, "id": object_id}, {"_id": 1}) is None:
        raise NotFound(f"no object {object_id} in environment {env}")
    seen, frontier = {object_id}, [object_id]
    for _ in range(depth):
        found: list[str] = []
        for chunk in chunks(frontier, _CHUNK):
            cursor = db.links.find({"environment": env, "$or": [
                {"source_id": {"$in": chunk}}, {"target_id": {"$in": chunk}}]},
                {"source_id": 1, "target_id": 1})
            async for link in cursor:
                for end in (link["source_id"], link["target_id"]):
                    if end not in seen:
                        seen.add(end)
                        found.append(end)
        frontier = found
    nodes = await _objects(db, env, sorted(seen))
    edges = await _links_among(db, env, set(nodes))
    return Graph(env, f"neighbourhood {object_id} depth {depth}", nodes, edges)


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def to_json_graph(graph: Graph) -> str:
    """JSON Graph Format (jsongraphformat.info, version 2): one graph, nodes keyed by id."""
    body = {"graph": {
        "id": graph.environment, "type": "calipso", "directed": True,
        "label": f"{graph.environment}: {graph.scope}",
        "metadata": {"environment": graph.environment, "scope": graph.scope,
                     "exported_at": datetime.now(UTC).isoformat()},
        "nodes": {node_id: {"label": doc.get("name") or node_id, "metadata": doc}
                  for node_id, doc in sorted(graph.nodes.items())},
        "edges": [{"source": e["source_id"], "target": e["target_id"],
                   "relation": e["link_type"], "directed": True, "metadata": e}
                  for e in graph.edges],
    }}
    return json.dumps(body, default=_json_default, sort_keys=True)


_NODE_KEYS = ("type", "name", "host", "id_path")
_EDGE_KEYS = ("link_type", "link_name", "state", "host")


def to_graphml(graph: Graph) -> str:
    ET.register_namespace("", "http://graphml.graphdrawing.org/xmlns")
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    root = ET.Element(f"{ns}graphml")
    for domain, keys in (("node", _NODE_KEYS), ("edge", _EDGE_KEYS)):
        for key in keys:
            ET.SubElement(root, f"{ns}key", {"id": f"{domain}_{key}", "for": domain,
                                             "attr.name": key, "attr.type": "string"})
    g = ET.SubElement(root, f"{ns}graph", {"id": graph.environment,
                                          "edgedefault": "directed"})
    for node_id, doc in sorted(graph.nodes.items()):
        node = ET.SubElement(g, f"{ns}node", {"id": node_id})
        for key in _NODE_KEYS:
            if doc.get(key) is not None:
                ET.SubElement(node, f"{ns}data", {"key": f"node_{key}"}).text = _text(doc[key])
    for i, link in enumerate(graph.edges):
        edge = ET.SubElement(g, f"{ns}edge", {"id": f"e{i}", "source": link["source_id"],
                                             "target": link["target_id"]})
        for key in _EDGE_KEYS:
            if link.get(key) is not None:
                ET.SubElement(edge, f"{ns}data", {"key": f"edge_{key}"}).text = _text(link[key])
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: Graph) -> str:
    lines = [f"digraph {_dot_id(graph.environment)} {{",
             f"  label={_dot_id(graph.scope)};", "  node [shape=box];"]
    for node_id, doc in sorted(graph.nodes.items()):
        label = f"{doc.get('type', '')}\\n{doc.get('name') or node_id}"
        lines.append(f"  {_dot_id(node_id)} [label=\"{label.replace(chr(34), chr(39))}\"];")
    for link in graph.edges:
        lines.append(f"  {_dot_id(link['source_id'])} -> {_dot_id(link['target_id'])} "
                     f"[label={_dot_id(link['link_type'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(graph: Graph, fmt: str) -> str:
    if fmt == "json":
        return to_json_graph(graph)
    if fmt == "graphml":
        return to_graphml(graph)
    if fmt == "dot":
        return to_dot(graph)
    raise InvalidInput(f"format: one of {', '.join(FORMATS)}", field="format")


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in _keys(v))]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


def parse_json_graph(data: Any) -> tuple[list[Doc], list[Doc]]:
    """The objects and links of a JSON Graph export; a clear error when it is none."""
    graph = data.get("graph") if isinstance(data, dict) else None
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), dict) \
            or not isinstance(graph.get("edges", []), list):
        raise InvalidInput("not a JSON Graph export: no graph with nodes", field="graph")
    objects: list[Doc] = []
    for node_id, node in graph["nodes"].items():
        doc = node.get("metadata") if isinstance(node, dict) else None
        if not isinstance(doc, dict) or not doc.get("type"):
            raise InvalidInput(f"graph.nodes.{node_id}: metadata must hold the object "
                               "(at least its type)", field=f"graph.nodes.{node_id}")
        objects.append(doc | {"id": node_id})  # the node's key is the object's id
    links: list[Doc] = []
    for i, edge in enumerate(graph.get("edges", [])):
        doc = edge.get("metadata") if isinstance(edge, dict) else None
        if not isinstance(doc, dict) or not all(
                isinstance(doc.get(k), str) for k in ("link_type", "source_id", "target_id")):
            raise InvalidInput(f"graph.edges.{i}: metadata must hold the link (link_type, "
                               "source_id, target_id)", field=f"graph.edges.{i}")
        links.append(doc)
    return objects, links


async def import_json_graph(db: AsyncDatabase, env: str, data: Any) -> Doc:
    """Store a JSON Graph export as environment ``env``, which must hold nothing yet."""
    objects, links = parse_json_graph(data)
    bad = next((k for doc in [*objects, *links] for k in _keys(doc) if k.startswith("$")), None)
    if bad is not None:
        raise InvalidInput(f"graph: a key may not start with $ ({bad})", field="graph")
    if await db.inventory.find_one({"environment": env}, {"_id": 1}) is not None:
        raise Conflict(f"environment {env} holds objects already; import into a new one")
    at = datetime.now(UTC).replace(microsecond=0)
    with change_origin("import"):
        writer = InventoryWriter(db, env, at)
        await writer.load_existing()
        await writer.add({k: v for k, v in doc.items() if k != "environment"}
                         for doc in objects)
        await writer.finish()
        oids = {d["id"]: d["_id"] async for d in db.inventory.find(
            {"environment": env}, {"id": 1})}
        link_writer = LinkWriter(db, env, at)
        await link_writer.load_existing()
        for link in links:
            doc = {k: v for k, v in link.items() if k != "environment"}
            doc.update(source=oids.get(link["source_id"]), target=oids.get(link["target_id"]))
            await link_writer.add(doc)
        await link_writer.flush()
    return {"environment": env, "objects": len(objects), "links": len(links)}
