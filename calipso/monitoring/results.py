"""Check results as they arrive: a Sensu Go event, a Sensu classic check result (as the
client publishes it on the ``results`` exchange) or a Sensu classic event (as the server
pipes it to a handler). All become one ``CheckResult``.

Unknown fields are ignored (both Sensu versions add fields over time); missing or
ill-typed ones are ``BadResult`` with the field named, never a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

STATUS_MAX = 255  # an exit status
OUTPUT_KEPT = 2000  # characters of a check's output stored in status_text


class BadResult(ValueError):
    """The input is no check result; the message names the field."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    status: int
    output: str
    executed: datetime
    source: str = "Sensu"  # the messages' source_system
    event_id: str | None = None
    client: str | None = None
    environment: str | None = None  # as the result says (Sensu classic client.environment)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Metadata(_Loose):
    name: str = Field(min_length=1, max_length=1000)
    namespace: str | None = None
    labels: dict[str, str] | None = None


class _GoCheck(_Loose):
    metadata: _Metadata
    status: int = Field(ge=0, le=STATUS_MAX)
    output: str = ""
    executed: float | None = Field(None, ge=0)


class _GoEntity(_Loose):
    metadata: _Metadata


class SensuGoEvent(_Loose):
    entity: _GoEntity
    check: _GoCheck
    id: str | None = None
    timestamp: float | None = Field(None, ge=0)


class _ClassicCheck(_Loose):
    name: str = Field(min_length=1, max_length=1000)
    status: int = Field(ge=0, le=STATUS_MAX)
    output: str = ""
    executed: float | None = Field(None, ge=0)
    issued: float | None = Field(None, ge=0)


class _ClassicClient(_Loose):
    name: str | None = None
    environment: str | None = None


class SensuClassicResult(_Loose):
    client: str | _ClassicClient | None = None
    check: _ClassicCheck
    id: str | None = None
    timestamp: float | None = Field(None, ge=0)


def _when(*stamps: float | None) -> datetime:
    stamp = next((s for s in stamps if s), None)
    if stamp is None:
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(stamp, UTC)
    except (OverflowError, OSError, ValueError):
        raise BadResult(f"check.executed: {stamp} is no time") from None


def parse_result(data: Any, source: str = "Sensu") -> CheckResult:
    """One result from a decoded JSON document."""
    if not isinstance(data, dict):
        raise BadResult("body: a check result is a JSON object")
    try:
        if "entity" in data:
            go = SensuGoEvent.model_validate(data)
            labels = go.entity.metadata.labels or {}
            return CheckResult(go.check.metadata.name, go.check.status,
                               go.check.output[:OUTPUT_KEPT],
                               _when(go.check.executed, go.timestamp), source, go.id,
                               go.entity.metadata.name, labels.get("environment"))
        classic = SensuClassicResult.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise BadResult(f"{where}: {first['msg']}") from None
    client = classic.client
    name = client if isinstance(client, str) else client.name if client else None
    env = client.environment if isinstance(client, _ClassicClient) else None
    check = classic.check
    return CheckResult(check.name, check.status, check.output[:OUTPUT_KEPT],
                       _when(check.executed, check.issued, classic.timestamp), source,
                       classic.id, name, env)


def parse_body(raw: bytes) -> list[CheckResult]:
    """A body of one result or a JSON list of them."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadResult("body: not valid JSON") from None
    if isinstance(data, list):
        if not data:
            raise BadResult("body: an empty list")
        out = []
        for i, item in enumerate(data):
            try:
                out.append(parse_result(item))
            except BadResult as err:
                raise BadResult(f"[{i}].{err}") from None
        return out
    return [parse_result(data)]
