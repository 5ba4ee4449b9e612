"""How an endpoint is declared: one ``Operation`` gives the route, the role it needs, the
models that validate its query and body, and its documented answers; the OpenAPI document
is built from the same declarations."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pymongo.asynchronous.database import AsyncDatabase

from calipso.api.documents import json_reply
from calipso.api.keys import SERVICE
from calipso.api.lookups import CONSTANTS, Constants
from calipso.api.query import constant_fields, query_dict, validate, validate_body
from calipso.errors import InvalidInput
from calipso.service_context import ServiceContext


class Role(StrEnum):
    PUBLIC = "public"
    VIEWER = "viewer"
    ADMIN = "admin"


ROLE_RANK = {Role.PUBLIC: 0, Role.VIEWER: 1, Role.ADMIN: 2}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user name, a role and how they proved it."""

    name: str
    role: Role
    method: str

    def may(self, needed: Role) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[needed]


PRINCIPAL = web.RequestKey("principal", Principal)


@dataclass(slots=True)
class Call:
    """What a handler gets: the request, its validated query and body, and the caller."""

    request: web.Request
    query: Any
    body: Any
    extra: dict[str, Any]

    @property
    def ctx(self) -> ServiceContext:
        return self.request.app[SERVICE]

    @property
    def db(self) -> AsyncDatabase:
        return self.request.app[SERVICE].database.db

    @property
    def constants(self) -> Constants:
        return self.request.app[CONSTANTS]

    @property
    def principal(self) -> Principal | None:
        return self.request.get(PRINCIPAL)

    def path(self, name: str) -> str:
        return self.request.match_info[name]


@dataclass(frozen=True, slots=True)
class Reply:
    body: object
    status: int = 200


Handler = Callable[[Call], Awaitable[object]]
# What a handler checks beyond its body model, for the OpenAPI document: from the lists
# stored at the time (constants, supported environments) to a patch per component schema
# (``allOf``: rules that must hold too; ``properties``: a key's schema as the handler takes it)
SchemaRules = Callable[[dict[str, list[Any]]], dict[str, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Answer:
    """One documented answer of an operation: its description and body model (or schema)."""

    description: str
    model: type[BaseModel] | tuple[type[BaseModel], ...] | None = None  # a tuple: any of


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    role: Role = Role.VIEWER
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    validate_body: bool = True  # False: the handler validates the raw JSON object itself
    body_rules: SchemaRules | None = None
    answers: dict[int, Answer] = field(default_factory=dict)
    path_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    header_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    query_passthrough: re.Pattern[str] | None = None
    query_note: str = ""
    content_type: str = "application/json"


SURROGATE = re.compile("[\ud800-\udfff]")
OPERATIONS = web.AppKey("operations", list)
ROUTE_OPERATIONS = web.AppKey("route_operations", dict)


async def read_json_object(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        raise InvalidInput("No data found in the request body", field="body")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the request body is not valid JSON", field="body") from None
    if not isinstance(data, dict):
        raise InvalidInput("the request body must be a JSON object", field="body")
    found = unstorable_at(data)
    if found is not None:
        where, problem = found
        raise InvalidInput(f"{where}: {problem}", field=where)
    return data


LONE_SURROGATE = "a lone UTF-16 surrogate (\\ud800-\\udfff) is no Unicode character"
NUL_KEY = "a key may not hold the NUL character"


def unstorable_at(value: Any, path: str = "") -> tuple[str, str] | None:
    """The dotted path of the first text the database cannot store, and why: a lone
    surrogate (JSON's ``\\ud877`` escape decodes to one, which no UTF-8 text holds) or a
    NUL in a key (BSON ends keys with it)."""
    if isinstance(value, str):
        return (path, LONE_SURROGATE) if SURROGATE.search(value) else None
    if isinstance(value, dict):
        items: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and SURROGATE.search(key):
            return (path or "body", LONE_SURROGATE)
        if isinstance(key, str) and "\0" in key:
            return (path or "body", NUL_KEY)
        found = unstorable_at(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def _wrap(op: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    query_constants = constant_fields(op.query) if op.query is not None else {}
    body_constants = constant_fields(op.body) if op.body is not None else {}

    async def handle(request: web.Request) -> web.StreamResponse:
        constants = request.app[CONSTANTS]
        values, passed = query_dict(request, passthrough=op.query_passthrough)
        query = None
        if op.query is not None:
            query = validate(op.query, values)
            if query_constants:
                await constants.check(query, query_constants)
        elif values:
            key = next(iter(values))
            raise InvalidInput(f"{key}: unknown key", field=key)
        body: Any = None
        if op.body is not None:
            data = await read_json_object(request)
            if op.validate_body:
                body = validate_body(op.body, data)
                await constants.check(body, body_constants)
            else:
                body = data
        result = await op.handler(Call(request, query, body, passed))
        if isinstance(result, web.StreamResponse):
            return result
        if isinstance(result, Reply):
            return json_reply(result.body, result.status)
        return json_reply(result)

    handle.__name__ = op.handler.__name__
    return handle


def add_operations(app: web.Application, operations: Iterable[Operation]) -> None:
    """Add the routes of ``operations`` and remember them for auth and the OpenAPI document."""
    if OPERATIONS not in app:
        app[OPERATIONS] = []
        app[ROUTE_OPERATIONS] = {}
    for op in operations:
        route = app.router.add_route(op.method, op.path, _wrap(op))
        app[OPERATIONS].append(op)
        app[ROUTE_OPERATIONS][route] = op


def operation_of(request: web.Request) -> Operation | None:
    table = request.app.get(ROUTE_OPERATIONS)
    if table is None:
        return None
    return table.get(request.match_info.route)
