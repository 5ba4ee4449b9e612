"""``GET /environments``: every environment's state for the UI's first page: scanned, last
scan, the listener, monitoring, the objects counted by type and by status (kept while
nothing changes), and the latest scan with its progress."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from calipso.api.operations import Answer, Call, Operation, add_operations
from calipso.api.query import QueryModel
from calipso.api.schemas import ERRORS
from calipso.ui.changes import KeptWhileUnchanged
from calipso.ui.live import FEED

STATE_FIELDS = ("scanned", "last_scanned", "listen", "operational", "enable_monitoring",
                "monitoring_setup_done", "distribution", "distribution_version",
                "mechanism_drivers", "type_drivers")
SCAN_FIELDS = ("status", "progress", "submit_timestamp", "start_timestamp", "end_timestamp",
               "origin")


class EnvironmentsQuery(QueryModel):
    counts: bool = Field(True, description="false: without the counts (which read every "
                                           "object the first time)")


class EnvironmentState(BaseModel):
    name: str
    state: dict[str, Any]
    types: dict[str, int] | None = None
    statuses: dict[str, int] | None = None
    latest_scan: dict[str, Any] | None


class EnvironmentsAnswer(BaseModel):
    environments: list[EnvironmentState]


async def _counts(db: Any, env: str) -> dict[str, dict[str, int]]:
    """Objects by type and by monitoring status (a network's own ``status``, ACTIVE, is
    not one), in one pass."""
    rows = await db.inventory.aggregate([
        {"$match": {"environment": env}},
        {"$group": {"_id": {"type": "$type", "status": "$status"}, "n": {"$sum": 1}}}])
    types: dict[str, int] = {}
    statuses: dict[str, int] = {}
    async for row in rows:
        kind, status = row["_id"].get("type"), row["_id"].get("status")
        types[str(kind)] = types.get(str(kind), 0) + row["n"]
        if status in ("OK", "Warning", "Error", "Unknown"):
            statuses[status] = statuses.get(status, 0) + row["n"]
    return {"types": types, "statuses": statuses}


async def _latest_scan(db: Any, env: str) -> dict[str, Any] | None:
    scan = await db.scans.find_one({"environment": env}, sort=[("submit_timestamp", -1)])
    if scan is None:
        return None
    return {"id": str(scan["_id"])} | {k: scan[k] for k in SCAN_FIELDS if k in scan}


async def get_environments(call: Call) -> object:
    configs = await call.db.environments_config.find(
        {}, {"name": 1, **dict.fromkeys(STATE_FIELDS, 1)}).sort("name", 1).to_list()
    answer = []
    kept = call.request.app[COUNTS]
    for config in configs:
        env = config["name"]
        counts = (await kept.get(env, lambda env=env: _counts(call.db, env))
                  if call.query.counts else {"types": None, "statuses": None})
        answer.append({"name": env, "state": {k: config.get(k) for k in STATE_FIELDS}}
                      | counts | {"latest_scan": await _latest_scan(call.db, env)})
    return {"environments": answer}


OPERATIONS = (
    Operation("GET", "/environments", get_environments,
              "Every environment's state, object counts and latest scan", "ui",
              query=EnvironmentsQuery,
              answers={200: Answer("the environments", EnvironmentsAnswer), 400: ERRORS[400],
                       401: ERRORS[401]}),
)


COUNTS = web.AppKey("ui_environment_counts", KeptWhileUnchanged)


async def _kept(app: web.Application) -> None:
    app[COUNTS] = KeptWhileUnchanged(app[FEED])


def setup(app: web.Application) -> None:
    app.on_startup.append(_kept)
    add_operations(app, OPERATIONS)
