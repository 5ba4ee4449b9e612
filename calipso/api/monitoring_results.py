"""``POST /monitoring/results``: a Sensu check result or event, applied as a status.

Authenticated by the environment's own results token (``results_token`` of its Monitoring
section), given in the ``X-Monitoring-Token`` header or as ``Authorization: Bearer``; a
Sensu handler has no Calipso user. A wrong token, or an environment that does not exist,
is 401 alike (the answer tells nothing of which environments exist).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from calipso.api.keys import SERVICE
from calipso.api.operations import Answer, Call, Operation, Reply, Role, add_operations
from calipso.api.query import EnvName, QueryModel
from calipso.api.schemas import ERRORS
from calipso.errors import InvalidInput, Unauthorized
from calipso.monitoring.intake import ResultIntake
from calipso.monitoring.results import BadResult, CheckResult, parse_result

INTAKE = web.AppKey("monitoring_intake", ResultIntake)
MAX_RESULTS = 1000  # results in one post


class ResultsQuery(QueryModel):
    env_name: EnvName


class _Doc(BaseModel):
    # the documented keys; the handler also takes (and ignores) the many others Sensu sends
    model_config = ConfigDict(extra="forbid")


class _Meta(_Doc):
    name: str = Field(min_length=1, max_length=1000)


class _GoCheck(_Doc):
    metadata: _Meta
    status: int = Field(ge=0, le=255)
    output: str = ""
    executed: float | None = Field(None, ge=0, le=1e11)


class _GoEntity(_Doc):
    metadata: _Meta


class _ClassicCheck(_Doc):
    name: str = Field(min_length=1, max_length=1000)
    status: int = Field(ge=0, le=255)
    output: str = ""
    executed: float | None = Field(None, ge=0, le=1e11)


class _OneResult(_Doc):
    entity: _GoEntity | None = Field(None, description="Sensu Go: the agent")
    client: str | None = Field(None, description="Sensu classic: the client name")
    check: _GoCheck | _ClassicCheck
    id: str | None = None
    timestamp: float | None = Field(None, ge=0, le=1e11)


class ResultBody(_Doc):
    """A Sensu Go event (``entity``, ``check.metadata.name``, ``check.status``), a Sensu
    classic check result or event (``client``, ``check.name``, ``check.status``), or
    ``{"results": [...]}`` of up to 1,000 of them. Sensu's other keys are taken and
    ignored."""

    entity: _GoEntity | None = Field(None, description="Sensu Go: the agent")
    client: str | None = Field(None, description="Sensu classic: the client name")
    check: _GoCheck | _ClassicCheck | None = None
    id: str | None = None
    timestamp: float | None = Field(None, ge=0, le=1e11)
    results: list[_OneResult] | None = Field(None, min_length=1, max_length=1000)


class ResultsAnswer(BaseModel):
    applied: int
    changed: int
    unknown: int
    bad: int


def _token(request: web.Request) -> str | None:
    given = request.headers.get("X-Monitoring-Token")
    if given:
        return given
    auth = request.headers.get("Authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


def _results(body: dict[str, Any]) -> list[CheckResult]:
    items = body.get("results") if "results" in body else None
    if items is None:
        return [parse_result(body)]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_RESULTS:
        raise BadResult(f"results: a list of 1 to {MAX_RESULTS} check results")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(parse_result(item))
        except BadResult as err:
            raise BadResult(f"results.{i}.{err}") from None
    return out


async def post_results(call: Call) -> object:
    env = call.query.env_name
    intake = call.request.app[INTAKE]
    if not await intake.token_matches(env, _token(call.request)):
        raise Unauthorized("no valid monitoring token for this environment")
    try:
        results = _results(call.body)
    except BadResult as err:
        await intake.reject(env, "http", str(err), json.dumps(call.body).encode())
        raise InvalidInput(str(err), field=str(err).split(":", 1)[0]) from None
    report = await intake.submit(env, results)
    return Reply(report.to_doc())


OPERATIONS = (
    Operation("POST", "/monitoring/results", post_results,
              "Apply Sensu check results (environment token, not a user)", "monitoring",
              role=Role.PUBLIC, query=ResultsQuery, body=ResultBody, validate_body=False,
              header_params={"X-Monitoring-Token": {"type": "string"}},
              answers={200: Answer("applied; unknown objects are kept as messages",
                                   ResultsAnswer), **ERRORS}),
)


async def _intake(app: web.Application) -> AsyncIterator[None]:
    app[INTAKE] = ResultIntake(app[SERVICE].database.db)
    yield
    await app[INTAKE].close()


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
    app.cleanup_ctx.append(_intake)
