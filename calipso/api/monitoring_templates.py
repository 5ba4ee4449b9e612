"""``GET /monitoring_config_templates``: the Sensu configuration templates."""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import Field

from calipso.api.listing import drop_none, one_or_page
from calipso.api.operations import Call, Operation, add_operations
from calipso.api.query import ObjectIdText, OneOf, PagedQuery, Text
from calipso.api.schemas import ERRORS, list_or_document

FIELDS = ("id", "side", "type")
MAX_ORDER = 2**31 - 1  # the database holds 64-bit integers; orders are small


class TemplatesQuery(PagedQuery):
    id: ObjectIdText | None = None
    order: int | None = Field(None, ge=0, le=MAX_ORDER)
    side: Annotated[str, OneOf("monitoring_sides")] | None = None
    type: Text | None = None


async def get_templates(call: Call) -> object:
    q: TemplatesQuery = call.query
    filt: dict[str, Any] = drop_none(side=q.side, type=q.type)
    if q.order is not None:
        filt["order"] = {"$in": [q.order, str(q.order)]}  # the seed stores it as text
    return await one_or_page(call, call.db.monitoring_config_templates, filt, q.id,
                             what="monitoring config template",
                             plural="monitoring_config_templates", fields=FIELDS,
                             sort=[("_id", 1)])


OPERATIONS = (
    Operation("GET", "/monitoring_config_templates", get_templates,
              "Monitoring (Sensu) configuration templates", "metadata", query=TemplatesQuery,
              answers={200: list_or_document("monitoring_config_templates"), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
