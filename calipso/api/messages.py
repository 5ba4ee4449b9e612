"""``GET /messages``: what scans, events and monitoring reported, newest first."""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web

from calipso.api.listing import drop_none, one_document, page_of
from calipso.api.operations import Call, Operation, add_operations
from calipso.api.query import EnvName, OneOf, PagedQuery, Text, Timestamp
from calipso.api.schemas import ERRORS, list_or_document

FIELDS = ("id", "environment", "source_system", "level")


class MessagesQuery(PagedQuery):
    env_name: EnvName
    id: Text | None = None
    source_system: Annotated[str, OneOf("message_source_systems")] | None = None
    level: Annotated[str, OneOf("messages_severity")] | None = None
    related_object: Text | None = None
    related_object_type: Annotated[str, OneOf("object_types")] | None = None
    start_time: Timestamp | None = None
    end_time: Timestamp | None = None


async def get_messages(call: Call) -> object:
    q: MessagesQuery = call.query
    filt: dict[str, Any] = {"environment": q.env_name} | drop_none(
        source_system=q.source_system, level=q.level, related_object=q.related_object,
        related_object_type=q.related_object_type)
    window = drop_none(**{"$gte": q.start_time, "$lte": q.end_time})
    if window:
        filt["timestamp"] = window
    if q.id is not None:
        filt["id"] = q.id
        return await one_document(call, call.db.messages, filt, "message", q.env_name)
    return await page_of(call, call.db.messages, filt, "messages", FIELDS, q.env_name,
                         sort=[("timestamp", -1)])


OPERATIONS = (
    Operation("GET", "/messages", get_messages, "Messages of an environment", "messages",
              query=MessagesQuery, answers={200: list_or_document("messages"), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
