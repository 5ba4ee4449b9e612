"""``/clique_types``: list, create, update and delete the link-type chains cliques follow.

A clique type is bound either to one environment or to a configuration (distribution and
version, mechanism driver, type driver), never both; ``ANY`` is reserved for the shipped
types. Each environment has at most one type per focal point type, and so has each
configuration.
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from bson import ObjectId
from pydantic import Field, model_validator

from calipso.api.listing import (
    OBJECT_ID_PARAM,
    delete_by_id,
    drop_none,
    object_id,
    one_or_page,
)
from calipso.api.lookups import require_environment
from calipso.api.operations import Answer, Call, Operation, Reply, Role, add_operations
from calipso.api.query import (
    BodyModel,
    EnvName,
    ObjectIdText,
    OneOf,
    PagedQuery,
    Text,
    absent,
    present,
    with_rules,
)
from calipso.api.schemas import ERRORS, Message, list_or_document
from calipso.errors import Conflict, NotFound

FIELDS = ("id", "focal_point_type", "link_types", "environment", "name", "distribution",
          "distribution_version", "mechanism_drivers", "type_drivers", "use_implicit_links")
LinkType = Annotated[str, OneOf("link_types")]
ID_PARAM = OBJECT_ID_PARAM


class CliqueTypesQuery(PagedQuery):
    env_name: EnvName | None = None
    id: ObjectIdText | None = None
    distribution: Annotated[str, OneOf("distributions")] | None = None
    distribution_version: Annotated[str, OneOf("distribution_versions")] | None = None
    mechanism_drivers: Annotated[str, OneOf("mechanism_drivers")] | None = None
    type_drivers: Annotated[str, OneOf("type_drivers")] | None = None
    focal_point_type: Annotated[str, OneOf("object_types")] | None = None
    link_type: LinkType | list[LinkType] | None = None
    name: Text | None = None


CONFIGURATION_KEYS = ("distribution", "mechanism_drivers", "type_drivers")


class CliqueType(BodyModel):
    model_config = with_rules(
        {"oneOf": [present("environment"),
                   {"anyOf": [present(key) for key in CONFIGURATION_KEYS]}]},
        {"anyOf": [absent("distribution_version"), present("distribution")]},
        {"properties": {"environment": {"not": {"const": "ANY"}}}})

    focal_point_type: Annotated[str, OneOf("object_types")]
    link_types: list[LinkType] = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    environment: EnvName | None = None
    distribution: Annotated[str, OneOf("distributions")] | None = None
    distribution_version: Annotated[str, OneOf("distribution_versions")] | None = None
    mechanism_drivers: Annotated[str, OneOf("mechanism_drivers")] | None = None
    type_drivers: Annotated[str, OneOf("type_drivers")] | None = None
    use_implicit_links: bool = False

    @model_validator(mode="after")
    def _environment_or_configuration(self) -> CliqueType:
        if self.distribution_version is not None and self.distribution is None:
            raise ValueError("distribution_version: needs distribution")
        configured = any(getattr(self, key) is not None for key in CONFIGURATION_KEYS)
        if self.environment is not None and configured:
            raise ValueError("environment: give an environment or a configuration, not both")
        if self.environment is None and not configured:
            raise ValueError("environment: give an environment or a configuration")
        if self.environment == "ANY":
            raise ValueError("environment: ANY is reserved for the shipped clique types")
        return self

    def duplicate_filter(self) -> dict[str, Any]:
        """Documents this one may not coexist with: same focal point type and the same
        environment, or exactly the same configuration."""
        filt: dict[str, Any] = {"focal_point_type": self.focal_point_type}
        if self.environment is not None:
            return filt | {"environment": self.environment}
        for key in ("distribution", "distribution_version", "mechanism_drivers",
                    "type_drivers"):
            value = getattr(self, key)
            filt[key] = value if value is not None else {"$exists": False}
        return filt | {"environment": {"$exists": False}}


async def get_clique_types(call: Call) -> object:
    q: CliqueTypesQuery = call.query
    filt = drop_none(environment=q.env_name, distribution=q.distribution,
                     distribution_version=q.distribution_version,
                     mechanism_drivers=q.mechanism_drivers, type_drivers=q.type_drivers,
                     focal_point_type=q.focal_point_type, name=q.name)
    if q.link_type is not None:
        wanted = q.link_type if isinstance(q.link_type, list) else [q.link_type]
        filt["link_types"] = {"$all": wanted}
    return await one_or_page(call, call.db.clique_types, filt, q.id, what="clique type",
                             plural="clique_types", fields=FIELDS, env=q.env_name,
                             sort=[("_id", 1)])


async def _checked(call: Call, body: CliqueType, own: ObjectId | None) -> dict[str, Any]:
    if body.environment is not None:
        await require_environment(call.db, body.environment, "environment")
    clash = body.duplicate_filter()
    if own is not None:
        clash["_id"] = {"$ne": own}
    if await call.db.clique_types.find_one(clash, {"_id": 1}) is not None:
        where = body.environment or "this configuration"
        raise Conflict(f"{where} already has a clique type for focal point type "
                       f"{body.focal_point_type}", field="focal_point_type")
    return body.model_dump(exclude_none=True)


async def create_clique_type(call: Call) -> Reply:
    doc = await _checked(call, call.body, None)
    result = await call.db.clique_types.insert_one(doc)
    return Reply({"message": "created a new clique_type", "id": str(result.inserted_id)}, 201)


async def update_clique_type(call: Call) -> object:
    oid = object_id(call.path("id"), "id")
    stored = await call.db.clique_types.find_one({"_id": oid}, {"environment": 1})
    if stored is None:
        raise NotFound(f"no clique type {oid}", field="id")
    if stored.get("environment") == "ANY":
        raise Conflict("the shipped ANY clique types are changed with `calipso db init`",
                       field="id")
    doc = await _checked(call, call.body, oid)
    await call.db.clique_types.replace_one({"_id": oid}, doc)
    return {"message": f"updated clique_type {oid}", "id": str(oid)}


async def delete_clique_type(call: Call) -> object:
    return await delete_by_id(call, call.db.clique_types, "clique_type")


OPERATIONS = (
    Operation("GET", "/clique_types", get_clique_types, "Clique types", "cliques",
              query=CliqueTypesQuery, answers={200: list_or_document("clique_types"), **ERRORS}),
    Operation("POST", "/clique_types", create_clique_type, "Create a clique type", "cliques",
              role=Role.ADMIN, body=CliqueType,
              answers={201: Answer("created", Message), **ERRORS}),
    Operation("PUT", "/clique_types/{id}", update_clique_type, "Replace a clique type",
              "cliques", role=Role.ADMIN, body=CliqueType, path_params=ID_PARAM,
              answers={200: Answer("replaced", Message), **ERRORS}),
    Operation("DELETE", "/clique_types/{id}", delete_clique_type, "Delete a clique type",
              "cliques", role=Role.ADMIN, path_params=ID_PARAM,
              answers={200: Answer("deleted", Message), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
