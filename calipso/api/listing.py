"""The original's GET pattern, shared by the resources: a page of projected documents, or the
whole document when the resource's key is given; an unknown environment is a 404 (it names
an object that does not exist, which no schema can state in advance)."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.asynchronous.collection import AsyncCollection

from calipso.api.documents import list_body, list_item, public_doc
from calipso.api.lookups import environment_exists
from calipso.api.operations import Call
from calipso.api.query import COUNTS, OBJECT_ID_PATTERN, PagedQuery, read_page
from calipso.errors import InvalidInput, NotFound


def object_id(text: str, field: str) -> ObjectId:
    try:
        return ObjectId(text)
    except (InvalidId, TypeError):
        raise InvalidInput(f"{field}: not a 24-hex ObjectId", field=field) from None


def id_or_text(text: str) -> dict[str, Any]:
    """Match a reference stored as an ObjectId or as its text."""
    try:
        return {"$in": [ObjectId(text), text]}
    except (InvalidId, TypeError):
        return {"$in": [text]}


async def check_environment(call: Call, env: str | None, field: str = "env_name") -> None:
    if env is not None and not await environment_exists(call.db, env):
        raise NotFound(f"unknown environment: {env}", field=field)


async def one_document(
    call: Call, coll: AsyncCollection, filt: dict[str, Any], what: str,
    env: str | None = None, env_field: str = "env_name",
) -> dict[str, Any]:
    doc = await coll.find_one(filt)
    if doc is None:
        await check_environment(call, env, env_field)
        raise NotFound(f"no {what} matches")
    return public_doc(doc)


async def page_of(
    call: Call, coll: AsyncCollection, filt: dict[str, Any], plural: str,
    fields: tuple[str, ...], env: str | None = None, env_field: str = "env_name",
    sort: list[tuple[str, int]] | None = None,
) -> dict[str, Any]:
    paging: PagedQuery = call.query
    docs, total = await read_page(coll, filt, fields, paging, sort,
                                  call.request.app[COUNTS])
    if total == 0:
        await check_environment(call, env, env_field)
    items = [list_item(doc, fields) for doc in docs]
    return list_body(plural, items, total, paging.page, paging.page_size)


async def one_or_page(
    call: Call, coll: AsyncCollection, filt: dict[str, Any], ident: str | None, *,
    what: str, plural: str, fields: tuple[str, ...], env: str | None = None,
    env_field: str = "env_name", sort: list[tuple[str, int]] | None = None,
) -> dict[str, Any]:
    """The whole document whose ``_id`` is ``ident`` (within ``filt``), or a page."""
    if ident is not None:
        return await one_document(call, coll, filt | {"_id": object_id(ident, "id")}, what,
                                  env, env_field)
    return await page_of(call, coll, filt, plural, fields, env, env_field, sort)


async def delete_by_id(call: Call, coll: AsyncCollection, what: str) -> dict[str, str]:
    """``DELETE /<resource>/{id}``."""
    oid = object_id(call.path("id"), "id")
    result = await coll.delete_one({"_id": oid})
    if result.deleted_count == 0:
        raise NotFound(f"no {what} {oid}", field="id")
    return {"message": f"deleted {what} {oid}", "id": str(oid)}


OBJECT_ID_PARAM = {"id": {"type": "string", "pattern": OBJECT_ID_PATTERN}}


def drop_none(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
