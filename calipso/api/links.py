"""``GET /links``: the links of an environment, filtered by their fields and attributes; each
carries the names of its two ends."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from aiohttp import web

from calipso.api.listing import drop_none, one_or_page
from calipso.api.operations import Call, Operation, add_operations
from calipso.api.query import EnvName, ObjectIdText, OneOf, PagedQuery, Text
from calipso.api.schemas import ERRORS, list_or_document
from calipso.errors import InvalidInput

FIELDS = ("id", "link_name", "link_type", "environment", "host", "state", "source_id",
          "target_id")
ATTRIBUTE_KEY = re.compile(r"^attributes:\w+$")


class LinksQuery(PagedQuery):
    env_name: EnvName
    id: ObjectIdText | None = None
    host: Text | None = None
    link_type: Annotated[str, OneOf("link_types")] | None = None
    link_name: Text | None = None
    source_id: Text | None = None
    target_id: Text | None = None
    state: Annotated[str, OneOf("link_states")] | None = None
    status: Literal["OK", "Warning", "Error", "Unknown"] | None = None  # monitoring status


async def get_links(call: Call) -> object:
    q: LinksQuery = call.query
    filt = {"environment": q.env_name} | drop_none(
        host=q.host, link_type=q.link_type, link_name=q.link_name, source_id=q.source_id,
        target_id=q.target_id, state=q.state, status=q.status)
    for key, value in call.extra.items():
        if isinstance(value, list):
            raise InvalidInput(f"{key}: give it once", field=key)
        filt["attributes." + key.split(":", 1)[1]] = value
    answer = await one_or_page(call, call.db.links, filt, q.id, what="link", plural="links",
                               fields=FIELDS, env=q.env_name)
    await with_end_names(call, q.env_name, answer.get("links", [answer]))
    return answer


async def with_end_names(call: Call, env: str, links: list[dict[str, Any]]) -> None:
    """Set ``source_name`` and ``target_name`` on each link: its ends' names, read at once."""
    ids = {link.get(end) for link in links for end in ("source_id", "target_id")}
    docs = call.db.inventory.find({"environment": env, "id": {"$in": list(ids - {None})}},
                                  {"id": 1, "name": 1, "object_name": 1})
    names = {d["id"]: d.get("object_name") or d.get("name") async for d in docs}
    for link in links:
        link["source_name"] = names.get(link.get("source_id"))
        link["target_name"] = names.get(link.get("target_id"))


OPERATIONS = (
    Operation("GET", "/links", get_links, "Links of an environment", "links",
              query=LinksQuery, query_passthrough=ATTRIBUTE_KEY,
              query_note="Any `attributes:<name>=<value>` key filters on that link attribute.",
              answers={200: list_or_document("links"), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
