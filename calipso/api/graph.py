"""``GET /graph``: the clique of a focal object as nodes and edges, ready to draw."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from bson import ObjectId
from pydantic import BaseModel, Field

from calipso.api.listing import check_environment, id_or_text
from calipso.api.operations import Answer, Call, Operation, add_operations
from calipso.api.query import EnvName, QueryModel
from calipso.api.schemas import ERRORS
from calipso.errors import InvalidInput, NotFound

NODE_FIELDS = {"id": 1, "type": 1, "name": 1, "object_name": 1, "status": 1, "host": 1}


class GraphQuery(QueryModel):
    focal_point: str = Field(min_length=1, max_length=500,
                             description="the focal object's _id (24 hex), or its id")
    env_name: EnvName | None = Field(
        None, description="the environment; needed when an id is in several")


class Node(BaseModel):
    id: str
    object_id: Any = None
    type: Any = None
    name: Any = None
    label: Any = None
    status: Any = None
    host: Any = None
    focal: bool = False


class Edge(BaseModel):
    id: str
    source: str
    target: str
    link_type: Any = None
    link_name: Any = None
    state: Any = None
    implicit: Any = None


class Graph(BaseModel):
    environment: str
    focal_point: str
    focal_point_type: Any = None
    clique_type: Any = None
    nodes: list[Node]
    edges: list[Edge]


async def _focal(call: Call, env: str | None, ref: str) -> dict[str, Any]:
    inventory = call.db.inventory
    scope: dict[str, Any] = {} if env is None else {"environment": env}
    if ObjectId.is_valid(ref) and len(ref) == 24:
        doc = await inventory.find_one(scope | {"_id": ObjectId(ref)})
        if doc is not None:
            return doc
    found = await inventory.find(scope | {"id": ref}, limit=2).to_list()
    if len(found) > 1:
        raise InvalidInput(f"{ref} is in several environments: give env_name",
                           field="env_name")
    if not found:
        await check_environment(call, env)
        raise NotFound(f"no object {ref}" + (f" in {env}" if env else ""),
                       field="focal_point")
    return found[0]


def _node(doc: dict[str, Any], focal: ObjectId) -> dict[str, Any]:
    return {"id": str(doc["_id"]), "object_id": doc.get("id"), "type": doc.get("type"),
            "name": doc.get("name"), "label": doc.get("object_name") or doc.get("name"),
            "status": doc.get("status"), "host": doc.get("host"), "focal": doc["_id"] == focal}


def _edge(link: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(link.get("_id")), "source": str(link.get("source")),
            "target": str(link.get("target")), "link_type": link.get("link_type"),
            "link_name": link.get("link_name"), "state": link.get("state"),
            "implicit": link.get("implicit")}


async def get_graph(call: Call) -> object:
    q: GraphQuery = call.query
    focal = await _focal(call, q.env_name, q.focal_point)
    env = focal.get("environment")
    clique = await call.db.cliques.find_one(
        {"environment": env, "focal_point": id_or_text(str(focal["_id"]))})
    if clique is None:
        raise NotFound(f"{focal.get('id')} has no clique", field="focal_point")
    links = clique.get("links_detailed")
    if not links:
        links = await call.db.links.find({"_id": {"$in": clique.get("links", [])}}).to_list()
    ends: set[ObjectId] = {focal["_id"]}
    for link in links:
        for end in (link.get("source"), link.get("target")):
            if isinstance(end, ObjectId):
                ends.add(end)
            elif isinstance(end, str) and ObjectId.is_valid(end):
                ends.add(ObjectId(end))
    docs = await call.db.inventory.find({"_id": {"$in": list(ends)}}, NODE_FIELDS).to_list()
    return {"environment": env, "focal_point": str(focal["_id"]),
            "focal_point_type": clique.get("focal_point_type", focal.get("type")),
            "clique_type": clique.get("clique_type"),
            "nodes": [_node(d, focal["_id"]) for d in docs],
            "edges": [_edge(link) for link in links]}


OPERATIONS = (
    Operation("GET", "/graph", get_graph, "A focal object's clique as nodes and edges",
              "cliques", query=GraphQuery, answers={200: Answer("the graph", Graph), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
