"""``GET /cliques`` and ``GET /clique_constraints``."""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import Field

from calipso.api.listing import drop_none, id_or_text, one_or_page
from calipso.api.operations import Call, Operation, add_operations
from calipso.api.query import EnvName, ObjectIdText, OneOf, PagedQuery, Text
from calipso.api.schemas import ERRORS, list_or_document

CLIQUE_FIELDS = ("id", "focal_point_type", "environment")
CONSTRAINT_FIELDS = ("id",)


class CliquesQuery(PagedQuery):
    env_name: EnvName
    id: ObjectIdText | None = None
    focal_point: Text | None = Field(
        None, description="the focal object's _id (24 hex) or its id (e.g. an instance uuid)")
    focal_point_type: Annotated[str, OneOf("object_types")] | None = None
    link_type: Annotated[str, OneOf("link_types")] | None = None
    link_id: ObjectIdText | None = None


async def get_cliques(call: Call) -> object:
    q: CliquesQuery = call.query
    filt = {"environment": q.env_name} | drop_none(focal_point_type=q.focal_point_type)
    if q.focal_point is not None:
        filt["focal_point"] = await focal_refs(call, q.env_name, q.focal_point)
    if q.link_type is not None:
        filt["links_detailed.link_type"] = q.link_type
    if q.link_id is not None:
        filt["links_detailed._id"] = id_or_text(q.link_id)
    return await one_or_page(call, call.db.cliques, filt, q.id, what="clique",
                             plural="cliques", fields=CLIQUE_FIELDS, env=q.env_name)


async def focal_refs(call: Call, env: str, ref: str) -> dict[str, Any]:
    """A focal point given as an ``_id`` or as the object's ``id``: every form it is
    stored in (an ObjectId or its text)."""
    refs: list[Any] = id_or_text(ref)["$in"]
    async for doc in call.db.inventory.find({"environment": env, "id": ref}, {"_id": 1}):
        refs += [doc["_id"], str(doc["_id"])]
    return {"$in": refs}


Constraint = Annotated[str, OneOf("constraints")]


class ConstraintsQuery(PagedQuery):
    id: ObjectIdText | None = None
    focal_point_type: Annotated[str, OneOf("object_types")] | None = None
    constraint: Constraint | list[Constraint] | None = None


async def get_constraints(call: Call) -> object:
    q: ConstraintsQuery = call.query
    filt = drop_none(focal_point_type=q.focal_point_type)
    if q.constraint is not None:
        wanted = q.constraint if isinstance(q.constraint, list) else [q.constraint]
        filt["constraints"] = {"$all": wanted}
    return await one_or_page(call, call.db.clique_constraints, filt, q.id,
                             what="clique constraint", plural="clique_constraints",
                             fields=CONSTRAINT_FIELDS, sort=[("_id", 1)])


OPERATIONS = (
    Operation("GET", "/cliques", get_cliques, "Cliques of an environment", "cliques",
              query=CliquesQuery, answers={200: list_or_document("cliques"), **ERRORS}),
    Operation("GET", "/clique_constraints", get_constraints, "Clique constraints", "cliques",
              query=ConstraintsQuery,
              answers={200: list_or_document("clique_constraints"), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
