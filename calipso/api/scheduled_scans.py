"""``/scheduled_scans``: recurring scans — list, create, replace, delete.

A new schedule is due at once (``scheduled_timestamp`` = now unless given); the scan
worker submits a scan when it is due and moves ``scheduled_timestamp`` on by ``freq``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from aiohttp import web
from pydantic import Field

from calipso.api.listing import delete_by_id, drop_none, object_id, one_or_page
from calipso.api.lookups import require_environment
from calipso.api.operations import Answer, Call, Operation, Reply, Role, add_operations
from calipso.api.query import EnvName, ObjectIdText, OneOf, PagedQuery, Timestamp
from calipso.api.scans import ID_PARAM, ScanFlags
from calipso.api.schemas import ERRORS, Message, list_or_document
from calipso.errors import NotFound

FIELDS = ("id", "environment", "scheduled_timestamp", "freq")
Freq = Annotated[str, OneOf("scan_freq")]


class SchedulesQuery(PagedQuery):
    environment: EnvName | None = Field(
        None, description="the original's key (default: every environment's schedules)")
    env_name: EnvName | None = Field(None, description="the same, named as elsewhere")
    id: ObjectIdText | None = None
    freq: Freq | None = None


class Schedule(ScanFlags):
    freq: Freq
    submit_timestamp: Timestamp | None = None
    scheduled_timestamp: Timestamp | None = Field(
        None, description="first run; default: now")


async def get_schedules(call: Call) -> object:
    q: SchedulesQuery = call.query
    env = q.environment or q.env_name
    key = "environment" if q.environment else "env_name"
    filt = drop_none(environment=env, freq=q.freq)
    if q.environment and q.env_name and q.environment != q.env_name:
        filt["environment"] = {"$in": []}  # both keys name it: two names match nothing
    return await one_or_page(call, call.db.scheduled_scans, filt, q.id, what="scheduled scan",
                             plural="scheduled_scans", fields=FIELDS, env=env,
                             env_field=key, sort=[("_id", 1)])


async def _document(call: Call) -> dict[str, object]:
    body: Schedule = call.body
    await require_environment(call.db, body.environment, "environment")
    now = datetime.now(UTC)
    doc = body.model_dump(exclude_none=True)
    doc.setdefault("submit_timestamp", now)
    doc.setdefault("scheduled_timestamp", now)
    return doc


async def create_schedule(call: Call) -> Reply:
    doc = await _document(call)
    result = await call.db.scheduled_scans.insert_one(doc)
    return Reply({"message": f"created a new scheduled scan for environment "
                             f"{doc['environment']}", "id": str(result.inserted_id)}, 201)


async def replace_schedule(call: Call) -> object:
    oid = object_id(call.path("id"), "id")
    doc = await _document(call)
    result = await call.db.scheduled_scans.replace_one({"_id": oid}, doc)
    if result.matched_count == 0:
        raise NotFound(f"no scheduled scan {oid}", field="id")
    return {"message": f"updated scheduled scan {oid}", "id": str(oid)}


async def delete_schedule(call: Call) -> object:
    return await delete_by_id(call, call.db.scheduled_scans, "scheduled scan")


OPERATIONS = (
    Operation("GET", "/scheduled_scans", get_schedules, "Scheduled scans of an environment",
              "scans", query=SchedulesQuery,
              answers={200: list_or_document("scheduled_scans"), **ERRORS}),
    Operation("POST", "/scheduled_scans", create_schedule, "Schedule a recurring scan",
              "scans", role=Role.ADMIN, body=Schedule,
              answers={201: Answer("created", Message), **ERRORS}),
    Operation("PUT", "/scheduled_scans/{id}", replace_schedule, "Replace a scheduled scan",
              "scans", role=Role.ADMIN, body=Schedule, path_params=ID_PARAM,
              answers={200: Answer("replaced", Message), **ERRORS}),
    Operation("DELETE", "/scheduled_scans/{id}", delete_schedule, "Delete a scheduled scan",
              "scans", role=Role.ADMIN, path_params=ID_PARAM,
              answers={200: Answer("deleted", Message), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
