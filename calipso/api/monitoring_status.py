"""``GET /monitoring/summary`` (statuses of an environment counted by object and link
type) and ``GET /monitoring/settings`` (how an environment is monitored: its Sensu
section, secrets masked, whether Calipso's own checks run, and the service's schedule)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel

from calipso.api.listing import check_environment
from calipso.api.operations import Answer, Call, Operation, add_operations
from calipso.api.query import EnvName, QueryModel
from calipso.api.schemas import ERRORS
from calipso.env_config import mask_secrets

STATUSES = ("OK", "Warning", "Error", "Unknown")


class EnvQuery(QueryModel):
    env_name: EnvName


class SummaryAnswer(BaseModel):
    environment: str
    objects: dict[str, dict[str, int]]
    links: dict[str, dict[str, int]]
    totals: dict[str, int]


class SettingsAnswer(BaseModel):
    environment: str
    enable_monitoring: bool
    sensu: dict[str, Any] | None
    results_token_set: bool
    own_checks: bool
    check_interval_s: float
    check_hosts_at_once: int
    running: dict[str, Any]


async def _counts(call: Call, collection: str, env: str, key: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    async for row in await call.db[collection].aggregate([
            {"$match": {"environment": env, "status_value": {"$exists": True},
                        "status": {"$in": list(STATUSES)}}},
            {"$group": {"_id": {"kind": f"${key}", "status": "$status"}, "n": {"$sum": 1}}}]):
        kind, status = str(row["_id"].get("kind")), str(row["_id"].get("status"))
        out.setdefault(kind, dict.fromkeys(STATUSES, 0))[status] = row["n"]
    return dict(sorted(out.items()))


async def get_summary(call: Call) -> object:
    env = call.query.env_name
    await check_environment(call, env)
    objects = await _counts(call, "inventory", env, "type")
    links = await _counts(call, "links", env, "link_type")
    totals = dict.fromkeys(STATUSES, 0)
    for counts in (*objects.values(), *links.values()):
        for status, n in counts.items():
            totals[status] += n
    return {"environment": env, "objects": objects, "links": links, "totals": totals}


async def get_settings(call: Call) -> object:
    env = call.query.env_name
    await check_environment(call, env)
    doc = await call.db.environments_config.find_one({"name": env}, {"_id": 0}) or {}
    section = next((s for s in doc.get("configuration") or []
                    if isinstance(s, dict) and s.get("name") == "Monitoring"), None)
    settings = call.ctx.settings
    report = call.ctx.reports.get("monitoring")
    running = {k.split(":", 1)[0]: v for k, v in (report() if report else {}).items()
               if k.split(":", 1)[1] == env}
    sensu = None
    if section is not None:
        sensu = mask_secrets(section)
        sensu.pop("results_token", None)  # said by results_token_set alone
    return {"environment": env, "enable_monitoring": bool(doc.get("enable_monitoring")),
            "sensu": sensu,
            "results_token_set": bool(section and section.get("results_token")),
            "own_checks": bool(doc.get("enable_monitoring")) and (
                section is None or bool(section.get("own_checks"))),
            "check_interval_s": settings.monitoring_check_interval,
            "check_hosts_at_once": min(settings.monitoring_check_hosts,
                                       max(1, settings.max_ssh_connections // 2)),
            "running": running}


OPERATIONS = (
    Operation("GET", "/monitoring/summary", get_summary,
              "Monitoring statuses of an environment, counted by object and link type",
              "monitoring", query=EnvQuery,
              answers={200: Answer("counts per status", SummaryAnswer), **ERRORS}),
    Operation("GET", "/monitoring/settings", get_settings,
              "How an environment is monitored (secrets masked)", "monitoring",
              query=EnvQuery,
              answers={200: Answer("the environment's monitoring", SettingsAnswer),
                       **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
