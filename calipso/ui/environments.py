"""``GET /environments``: every environment's state for the UI's first page: scanned, last
scan, the listener, monitoring, the objects counted by type and by status, and the latest
scan with its progress."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel

from calipso.api.operations import Answer, Call, Operation, add_operations
from calipso.api.schemas import ERRORS

STATE_FIELDS = ("scanned", "last_scanned", "listen", "operational", "enable_monitoring",
                "monitoring_setup_done", "distribution", "distribution_version",
                "mechanism_drivers", "type_drivers")
SCAN_FIELDS = ("status", "progress", "submit_timestamp", "start_timestamp", "end_timestamp",
               "origin")


class EnvironmentState(BaseModel):
    name: str
    state: dict[str, Any]
    types: dict[str, int]
    statuses: dict[str, int]
    latest_scan: dict[str, Any] | None


class EnvironmentsAnswer(BaseModel):
    environments: list[EnvironmentState]


async def _counts(db: Any, env: str, field: str) -> dict[str, int]:
    rows = await db.inventory.aggregate([
        {"$match": {"environment": env}},
        {"$group": {"_id": f"${field}", "n": {"$sum": 1}}}])
    return {str(row["_id"]) if row["_id"] is not None else "none": row["n"]
            async for row in rows}


async def _latest_scan(db: Any, env: str) -> dict[str, Any] | None:
    scan = await db.scans.find_one({"environment": env}, sort=[("submit_timestamp", -1)])
    if scan is None:
        return None
    return {"id": str(scan["_id"])} | {k: scan[k] for k in SCAN_FIELDS if k in scan}


async def get_environments(call: Call) -> object:
    configs = await call.db.environments_config.find(
        {}, {"name": 1, **dict.fromkeys(STATE_FIELDS, 1)}).sort("name", 1).to_list()
    answer = []
    for config in configs:
        env = config["name"]
        statuses = await _counts(call.db, env, "status")
        answer.append({
            "name": env, "state": {k: config.get(k) for k in STATE_FIELDS},
            "types": await _counts(call.db, env, "type"),
            # only monitoring's statuses; a network's own `status` (ACTIVE) is not one
            "statuses": {k: v for k, v in statuses.items()
                         if k in ("OK", "Warning", "Error", "Unknown")},
            "latest_scan": await _latest_scan(call.db, env)})
    return {"environments": answer}


OPERATIONS = (
    Operation("GET", "/environments", get_environments,
              "Every environment's state, object counts and latest scan", "ui",
              answers={200: Answer("the environments", EnvironmentsAnswer), 401: ERRORS[401]}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
