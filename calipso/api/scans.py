"""``/scans``: scan requests — list, submit, cancel. The scan worker runs them.

Cancelling sets ``status: aborted`` on a draft, pending or running request; the worker
checks the status of the scan it runs and stops it.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from aiohttp import web
from pydantic import Field, model_validator

from calipso.api.listing import OBJECT_ID_PARAM, drop_none, object_id, one_or_page
from calipso.api.lookups import require_environment
from calipso.api.operations import Answer, Call, Operation, Reply, Role, add_operations
from calipso.api.query import (
    BodyModel,
    EnvName,
    ObjectIdText,
    OneOf,
    PagedQuery,
    Text,
    with_rules,
)
from calipso.api.schemas import ERRORS, Document, Message, list_or_document
from calipso.errors import Conflict, NotFound
from calipso.scanners import lifecycle
from calipso.scanners.lifecycle import ScanOptions, ScanStatus, request_scan

FIELDS = ("id", "environment", "status")
ID_PARAM = OBJECT_ID_PARAM


class ScansQuery(PagedQuery):
    env_name: EnvName
    id: ObjectIdText | None = None
    base_object: Text | None = Field(None, description="scans of this object (object_id)")
    status: Annotated[str, OneOf("scans_statuses")] | None = None


SCAN_ONLY = ("scan_only_inventory", "scan_only_links", "scan_only_cliques")


class ScanFlags(BodyModel):
    """What a scan request and a schedule share."""

    # at most one scan_only_* is true: some two of them are not
    model_config = with_rules({"anyOf": [
        {"properties": {key: {"not": {"const": True}} for key in pair}}
        for pair in itertools.combinations(SCAN_ONLY, 2)]})

    environment: EnvName
    clear: bool = False
    scan_only_inventory: bool = False
    scan_only_links: bool = False
    scan_only_cliques: bool = False

    @model_validator(mode="after")
    def _one_scan_only(self) -> ScanFlags:
        chosen = [n for n in SCAN_ONLY if getattr(self, n)]
        if len(chosen) > 1:
            raise ValueError(f"{chosen[1]}: only one scan_only_* may be true")
        return self

    def options(self) -> ScanOptions:
        return ScanOptions.of_request(self.model_dump())


class ScanRequest(ScanFlags):
    status: Literal["draft", "pending"] = Field(
        "pending", description="a new scan is a draft or pending")
    object_id: str | None = Field(None, min_length=1, max_length=1000,
                                  description="scan this object and its subtree only")


async def get_scans(call: Call) -> object:
    q: ScansQuery = call.query
    filt = {"environment": q.env_name} | drop_none(status=q.status, object_id=q.base_object)
    return await one_or_page(call, call.db.scans, filt, q.id, what="scan", plural="scans",
                             fields=FIELDS, env=q.env_name, sort=[("submit_timestamp", -1)])


async def create_scan(call: Call) -> Reply:
    body: ScanRequest = call.body
    await require_environment(call.db, body.environment, "environment")
    scan_id = await request_scan(call.db, body.environment, body.options(),
                                 ScanStatus(body.status), origin="api")
    return Reply({"message": f"created a new scan for environment {body.environment}",
                  "id": str(scan_id)}, 201)


async def cancel_scan(call: Call) -> object:
    oid = object_id(call.path("id"), "id")
    doc = await lifecycle.cancel_scan(call.db, oid)
    if doc is None:
        stored = await call.db.scans.find_one({"_id": oid}, {"status": 1})
        if stored is None:
            raise NotFound(f"no scan {oid}", field="id")
        raise Conflict(f"the scan is {stored.get('status')}; only a draft, pending or "
                       "running scan can be cancelled", field="status")
    return doc | {"_id": str(oid), "id": str(oid)}


OPERATIONS = (
    Operation("GET", "/scans", get_scans, "Scan requests of an environment", "scans",
              query=ScansQuery, answers={200: list_or_document("scans"), **ERRORS}),
    Operation("POST", "/scans", create_scan, "Request a scan", "scans", role=Role.ADMIN,
              body=ScanRequest, answers={201: Answer("submitted", Message), **ERRORS}),
    Operation("POST", "/scans/{id}/cancel", cancel_scan,
              "Cancel a draft, pending or running scan (status becomes aborted)", "scans",
              role=Role.ADMIN, path_params=ID_PARAM,
              answers={200: Answer("the cancelled scan", Document), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
