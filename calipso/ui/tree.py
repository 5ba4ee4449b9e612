"""``GET /tree``: the children of one inventory object, for a tree opened one level at a
time (an environment's root is its name). Each child says how many children it has, so a
100,000-object environment opens with one small query per level, on the
``(environment, parent_id)`` index."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from calipso.api.listing import check_environment
from calipso.api.operations import Answer, Call, Operation, add_operations
from calipso.api.query import EnvName, QueryModel, Text
from calipso.api.schemas import ERRORS

# Counting children costs a query per child on some servers (the embedded one reads a
# $in value by value): a longer level answers ``children: None`` (not counted).
MAX_COUNTED = 50
NODE_FIELDS = {"id": 1, "name": 1, "object_name": 1, "type": 1, "status": 1, "host": 1}


class TreeQuery(QueryModel):
    env_name: EnvName
    parent_id: Text | None = Field(None, description="the parent's id (default: the "
                                                     "environment's root)")
    page: int = Field(0, ge=0, le=100_000)
    page_size: int = Field(500, ge=1, le=2000)


class TreeNode(BaseModel):
    object_id: str
    id: Any = None
    name: Any = None
    type: Any = None
    status: Any = None
    host: Any = None
    children: int | None = Field(description="its number of children; None: not counted "
                                             "(a level of more than 50)")


class TreeAnswer(BaseModel):
    parent_id: str
    children: list[TreeNode]
    total: int
    page: int
    page_size: int


async def child_counts(db: Any, env: str, ids: list[str]) -> dict[str, int]:
    counts = db.inventory.aggregate([
        {"$match": {"environment": env, "parent_id": {"$in": ids}}},
        {"$group": {"_id": "$parent_id", "n": {"$sum": 1}}}])
    return {row["_id"]: row["n"] async for row in await counts}


def tree_node(doc: dict[str, Any], children: int | None) -> dict[str, Any]:
    return {"object_id": str(doc["_id"]), "id": doc.get("id"),
            "name": doc.get("object_name") or doc.get("name"), "type": doc.get("type"),
            "status": doc.get("status"), "host": doc.get("host"), "children": children}


async def get_tree(call: Call) -> object:
    q: TreeQuery = call.query
    parent = q.parent_id or q.env_name
    filt = {"environment": q.env_name, "parent_id": parent}
    total = await call.db.inventory.count_documents(filt)
    if total == 0:
        await check_environment(call, q.env_name)
    docs = await call.db.inventory.find(filt, NODE_FIELDS).sort("name", 1).skip(
        q.page * q.page_size).limit(q.page_size).to_list()
    counted = len(docs) <= MAX_COUNTED
    counts = (await child_counts(call.db, q.env_name, [d["id"] for d in docs if "id" in d])
              if counted else {})
    return {"parent_id": parent, "total": total, "page": q.page, "page_size": q.page_size,
            "children": [tree_node(d, counts.get(d.get("id"), 0) if counted else None)
                         for d in docs]}


OPERATIONS = (
    Operation("GET", "/tree", get_tree, "The children of an inventory object, for a tree",
              "ui", query=TreeQuery, answers={200: Answer("one page of children", TreeAnswer),
                                             **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
