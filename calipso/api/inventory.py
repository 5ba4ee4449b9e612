"""``GET /inventory``: objects of an environment, by id, path, parent or subtree."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from aiohttp import web
from pydantic import Field

from calipso.api.listing import drop_none, one_document, page_of
from calipso.api.operations import Call, Operation, add_operations
from calipso.api.query import EnvName, OneOf, PagedQuery, Text
from calipso.api.schemas import ERRORS, list_or_document

FIELDS = ("id", "name", "name_path")


class InventoryQuery(PagedQuery):
    env_name: EnvName
    id: Text | None = Field(None, description="one object: answers its whole document")
    id_path: Text | None = None
    parent_id: Text | None = None
    parent_path: Text | None = Field(
        None, description="an id_path: its direct children (or, with sub_tree, the whole "
                          "subtree including the object itself)")
    sub_tree: bool = False
    type: Annotated[str, OneOf("inventory_types")] | None = Field(
        None, description="only objects of this type")
    status: Literal["OK", "Warning", "Error", "Unknown"] | None = Field(
        None, description="only objects whose monitoring status is this")


def path_filter(parent_path: str, sub_tree: bool) -> dict[str, str]:
    """Anchored, escaped regex on ``id_path``: children, or the object and its subtree."""
    base = "^" + re.escape(parent_path.rstrip("/"))
    return {"$regex": base + ("(/.*)?$" if sub_tree else "/[^/]+$")}


async def get_inventory(call: Call) -> object:
    q: InventoryQuery = call.query
    filt = {"environment": q.env_name} | drop_none(
        id=q.id, id_path=q.id_path, parent_id=q.parent_id, type=q.type, status=q.status)
    if q.parent_path is not None:
        if "id_path" in filt:
            filt["$and"] = [{"id_path": filt.pop("id_path")},
                            {"id_path": path_filter(q.parent_path, q.sub_tree)}]
        else:
            filt["id_path"] = path_filter(q.parent_path, q.sub_tree)
    coll = call.db.inventory
    if q.id is not None:
        return await one_document(call, coll, filt, "inventory object", q.env_name)
    return await page_of(call, coll, filt, "objects", FIELDS, q.env_name)


OPERATIONS = (
    Operation("GET", "/inventory", get_inventory, "Inventory objects of an environment",
              "inventory", query=InventoryQuery,
              answers={200: list_or_document("objects"), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
