"""``GET /health``: the database's reachability, the version, the uptime and each part's
state. No credentials needed, so a load balancer or an orchestrator can ask."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from calipso.api.operations import Answer, Call, Operation, Reply, Role, add_operations


class DatabaseHealth(BaseModel):
    reachable: bool
    embedded: bool = Field(description="the embedded server, started by this process")
    server_running: bool | None = None
    server_pid: int | None = None
    server_restarts: int | None = None


class PartHealth(BaseModel):
    status: str = Field(description="starting, running, restarting or stopped")
    restarts: int | None = None
    last_error: str | None = None
    since: str | None = Field(None, description="ISO 8601: when it entered this status")


class Health(BaseModel):
    status: str = Field(description="ok, or degraded when the database cannot be reached")
    version: str
    started_at: str = Field(description="ISO 8601")
    uptime_s: float
    database: DatabaseHealth
    parts: dict[str, PartHealth]
    events: dict[str, dict[str, Any]] | None = Field(
        None, description="each listening environment's listener: state, reason, counts per "
                          "event type, lag")
    monitoring: dict[str, dict[str, Any]] | None = Field(
        None, description="per environment, the Sensu results consumer, the own checks and "
                          "the Sensu setup: state, reason, rounds, the last round's figures")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


async def get_health(call: Call) -> Reply:
    ctx = call.ctx
    database = ctx.database
    reachable = await database.ping()
    db_doc: dict[str, object] = {"reachable": reachable, "embedded": database.embedded is not None}
    if database.embedded is not None:
        db_doc.update(
            server_running=database.embedded.running,
            server_pid=database.embedded.pid,
            server_restarts=database.embedded.restarts,
        )
    parts: dict[str, dict[str, object]] = {"api": {"status": "running"}}
    for name, state in ctx.supervisor.states.items():
        parts[name] = state.to_doc() | {"since": _iso(state.since)}
    body = {
        "status": "ok" if reachable else "degraded",
        "version": ctx.version,
        "started_at": _iso(ctx.started_at),
        "uptime_s": round(time.time() - ctx.started_at, 1),
        "database": db_doc,
        "parts": parts,
    } | {name: report() for name, report in ctx.reports.items()}
    return Reply(body, 200 if reachable else 503)


OPERATIONS = (
    Operation("GET", "/health", get_health, "Is the service up, and its database?", "meta",
              role=Role.PUBLIC,
              answers={200: Answer("up, the database reachable", Health),
                       503: Answer("the database cannot be reached", Health)}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
