"""``GET /constants?name=``: one list of allowed values (``{name, data: [{label, value}]}``)."""

from __future__ import annotations

from aiohttp import web
from pydantic import Field

from calipso.api.listing import one_document
from calipso.api.operations import Answer, Call, Operation, add_operations
from calipso.api.query import QueryModel
from calipso.api.schemas import ERRORS, Document


class ConstantsQuery(QueryModel):
    name: str = Field(min_length=1, max_length=100)


async def get_constant(call: Call) -> object:
    q: ConstantsQuery = call.query
    return await one_document(call, call.db.constants, {"name": q.name}, f"constant {q.name}")


OPERATIONS = (
    Operation("GET", "/constants", get_constant, "One constant list by name", "metadata",
              query=ConstantsQuery, answers={200: Answer("the list", Document), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
