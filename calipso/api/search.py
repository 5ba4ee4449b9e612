"""``GET /search``: objects of an environment whose name contains the given text."""

from __future__ import annotations

import re

from aiohttp import web
from pydantic import Field

from calipso.api.listing import page_of
from calipso.api.operations import Answer, Call, Operation, add_operations
from calipso.api.query import EnvName, PagedQuery, Text
from calipso.api.schemas import ERRORS, ItemList

FIELDS = ("id", "type", "name", "object_name", "name_path", "id_path")


class SearchQuery(PagedQuery):
    env_name: EnvName
    q: str = Field(min_length=1, max_length=200, description="text the name contains "
                                                             "(any case)")
    type: Text | None = Field(None, description="only objects of this type")
    page_size: int = Field(50, ge=1, le=1000)


async def search(call: Call) -> object:
    q: SearchQuery = call.query
    pattern = {"$regex": re.escape(q.q), "$options": "i"}
    filt: dict[str, object] = {"environment": q.env_name,
                               "$or": [{"name": pattern}, {"object_name": pattern}]}
    if q.type is not None:
        filt["type"] = q.type
    return await page_of(call, call.db.inventory, filt, "objects", FIELDS, q.env_name,
                         sort=[("name", 1)])


OPERATIONS = (
    Operation("GET", "/search", search, "Find objects of an environment by name", "inventory",
              query=SearchQuery, answers={200: Answer("matches", ItemList.of("objects")),
                                          **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
