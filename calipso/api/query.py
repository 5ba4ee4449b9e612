"""Validating query strings and bodies with pydantic, and reading one page of a collection.

A query string becomes a dict (a key given more than once becomes a list), then the
endpoint's model validates it: unknown keys, wrong types and empty values are a 400 that
names the key. Values that must be one of a constant list (``OneOf("link_types")``) are
checked against the ``constants`` collection after the model accepted the shape.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar, get_args

import bson
from aiohttp import web
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationError,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from pymongo.asynchronous.collection import AsyncCollection

from calipso.api.documents import dumps
from calipso.errors import InvalidInput

OBJECT_ID_PATTERN = r"^[0-9a-fA-F]{24}$"
ObjectIdText = Annotated[str, Field(pattern=OBJECT_ID_PATTERN, description="a 24-hex ObjectId")]
MAX_PAGE_SIZE = 10000
MAX_PAGE = 1_000_000
NUMERIC_OFFSET = re.compile(r"(T[\d:.]+[+-]\d\d)(\d\d)$")


@dataclass(frozen=True, slots=True)
class OneOf:
    """Marks a field whose value(s) must be in the constant list ``name``."""

    name: str

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["x-calipso-constant"] = self.name
        return json_schema


@dataclass(frozen=True, slots=True)
class Named:
    """Marks a field naming a stored object (an environment): the OpenAPI document gives
    the names stored at the time as ``examples`` (not an ``enum``: the set changes)."""

    kind: str

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["x-calipso-names"] = self.kind
        return json_schema


class QueryModel(BaseModel):
    """Base of every query-string model: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PagedQuery(QueryModel):
    page: int = Field(0, ge=0, le=MAX_PAGE, description="0-based page number")
    page_size: int = Field(1000, ge=1, le=MAX_PAGE_SIZE, description="objects per page")


class BodyModel(BaseModel):
    """Base of every request body model: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def present(key: str) -> dict[str, Any]:
    """JSON Schema: ``key`` is given and not null (for a body model's cross-key rules)."""
    return {"required": [key], "properties": {key: {"not": {"type": "null"}}}}


def absent(key: str) -> dict[str, Any]:
    """JSON Schema: ``key`` is left out or null."""
    return {"properties": {key: {"type": "null"}}}


def with_rules(*rules: dict[str, Any]) -> ConfigDict:
    """A body model's config whose JSON schema states its cross-key checks (each rule must
    hold), so the OpenAPI document says what the model's validators enforce."""
    return ConfigDict(extra="forbid", str_strip_whitespace=True,
                      json_schema_extra={"allOf": list(rules)})


def query_dict(request: web.Request, *, passthrough: re.Pattern[str] | None = None
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The query string as a dict (repeated keys as lists) and the keys matching
    ``passthrough`` (validated by the caller) apart. An empty value is refused."""
    values: dict[str, Any] = {}
    passed: dict[str, Any] = {}
    for key in dict.fromkeys(request.query.keys()):
        given = request.query.getall(key)
        if any(v == "" for v in given):
            raise InvalidInput(f"{key}: empty value", field=key)
        target = passed if passthrough is not None and passthrough.match(key) else values
        target[key] = given[0] if len(given) == 1 else given
    return values, passed


def _field_of(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


# pydantic's wording for a length names its own notions ("List", "Value", "after
# validation"); a caller sends items and characters
_LENGTH = {"too_short": "at least {min_length}", "too_long": "at most {max_length}"}
_ITEMS = {"List", "Tuple", "Set", "Frozenset", "Dictionary"}
_PREFIXES = ("Value error, ", "Assertion failed, ")


def plain_message(error: Any) -> str:
    """The message of one pydantic error in the API's words."""
    msg = str(error.get("msg", "invalid"))
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in _LENGTH:
        bound = _LENGTH[kind].format(**ctx)
        unit = "item" if ctx.get("field_type") in _ITEMS else "character"
        count = ctx.get("min_length", ctx.get("max_length"))
        return f"give {bound} {unit}{'' if count == 1 else 's'}"
    for prefix in _PREFIXES:
        msg = msg.removeprefix(prefix)
    return msg


def invalid(err: ValidationError, prefix: str = "") -> InvalidInput:
    """The first problem of a pydantic error as a 400 naming the field."""
    first = err.errors(include_url=False)[0]
    loc = tuple(first.get("loc", ()))
    msg = plain_message(first)
    kind = first.get("type", "")
    if not loc:
        head, sep, _ = msg.partition(":")
        field = head if sep and re.fullmatch(r"[A-Za-z_][\w.]*", head) else None
        return InvalidInput(msg, field=f"{prefix}{field}" if field else (prefix or None))
    field = prefix + _field_of(loc)
    if kind == "extra_forbidden":
        return InvalidInput(f"{field}: unknown key", field=field)
    if kind == "missing":
        return InvalidInput(f"{field}: missing mandatory key", field=field)
    if msg.startswith(f"{loc[-1]}:"):
        # a model's own check names its key already ("auth: give credentials or a token")
        return InvalidInput(prefix + _field_of((*loc[:-1], msg)), field=field)
    return InvalidInput(f"{field}: {msg}", field=field)


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: object, prefix: str = "") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise invalid(err, prefix) from None


def _whole(value: Any) -> Any:
    """``1.0`` as ``1``: JSON Schema counts a whole number as an integer, however written."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole(v) for v in value]
    return value


def validate_body(model: type[M], data: dict[str, Any]) -> M:
    """A JSON body, by JSON's types as the schema states them: ``0`` is no boolean and
    ``"5"`` no number (query strings, all text, are converted by ``validate``)."""
    try:
        return model.model_validate_json(dumps(_whole(data)), strict=True)
    except ValidationError as err:
        raise invalid(err) from None


def _one_of(items: tuple[Any, ...]) -> str | None:
    for item in items:
        if isinstance(item, OneOf):
            return item.name
        found = _one_of(tuple(getattr(item, "__metadata__", ()))) or _one_of(get_args(item))
        if found:
            return found
    return None


def constant_fields(model: type[BaseModel]) -> dict[str, str]:
    """Field name → constant list name, for the fields marked with ``OneOf``."""
    found: dict[str, str] = {}
    for name, info in model.model_fields.items():
        constant = _one_of(tuple(info.metadata)) or _one_of((info.annotation,))
        if constant:
            found[name] = constant
    return found


class CountCoalescer:
    """Concurrent identical counts share one query: under load a page's ``total`` costs the
    database one count per filter at a time, not one per request. Nothing is kept once
    the count is answered, so a total is never older than the request that asked."""

    def __init__(self) -> None:
        self._running: dict[tuple[str, bytes], asyncio.Task[int]] = {}

    async def count(self, coll: AsyncCollection, filt: dict[str, Any]) -> int:
        key = (coll.full_name, bson.encode(filt))
        task = self._running.get(key)
        if task is None:
            # owned here, not by the first caller: its cancellation must not end the
            # count the others wait for
            task = asyncio.create_task(coll.count_documents(filt), name="count")
            self._running[key] = task
            task.add_done_callback(lambda _: self._running.pop(key, None))
        return await asyncio.shield(task)


COUNTS = web.AppKey("counts", CountCoalescer)


async def read_page(
    coll: AsyncCollection, filt: dict[str, Any], fields: tuple[str, ...], paging: PagedQuery,
    sort: list[tuple[str, int]] | None = None, counts: CountCoalescer | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of ``filt`` (projected to ``fields``) and the total number of matches.

    The first page is read alone: when it holds everything, no count is needed. Later
    pages read and count at the same time."""
    proj = dict.fromkeys(fields, 1)
    proj["_id"] = 1
    cursor = coll.find(filt, proj, skip=paging.page * paging.page_size, limit=paging.page_size)
    if sort:
        cursor = cursor.sort(sort)

    async def count() -> int:
        if counts is not None:
            return await counts.count(coll, filt)
        return await coll.count_documents(filt)

    if paging.page == 0:
        docs = await cursor.to_list()
        total = len(docs) if len(docs) < paging.page_size else await count()
    else:
        docs, total = await asyncio.gather(cursor.to_list(), count())
    return docs, total


def _iso_time(value: object) -> object:
    """ISO 8601 text as a datetime. A "+" in a query string arrives as a space; the
    original's clients write the offset without a colon (``+0000``). Other text is left to
    pydantic (which refuses it in a body)."""
    if not isinstance(value, str):
        return value
    text = NUMERIC_OFFSET.sub(r"\1:\2", value.replace(" ", "+"))
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return value


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


Timestamp = Annotated[
    datetime, BeforeValidator(_iso_time), AfterValidator(_utc),
    Field(description="ISO 8601, e.g. 2017-07-24T12:45:03.784+00:00"),
]
EnvName = Annotated[str, Field(min_length=1, max_length=100, description="environment name"),
                    Named("environments")]
Text = Annotated[str, Field(min_length=1, max_length=500)]
