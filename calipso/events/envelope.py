"""oslo.messaging bodies → ``Notification``: the v2 envelope (``oslo.message``, a JSON
string) and the v1 body (the message itself). Pure: raises ``BadMessage`` saying why."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from calipso.errors import CalipsoError

TIME_FORMATS = ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f",
                "%Y-%m-%dT%H:%M:%S")
LEVELS = {"info": "info", "warn": "warning", "warning": "warning", "error": "error",
          "critical": "error"}


class BadMessage(CalipsoError):
    """A body that is no notification (bad JSON, no ``event_type``, a bad payload)."""


@dataclass(frozen=True, slots=True)
class Notification:
    event_type: str
    payload: dict[str, Any]
    message_id: str | None
    publisher_id: str
    priority: str  # info | warning | error
    timestamp: datetime | None
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def versioned(self) -> bool:
        """Nova's versioned format: the payload is a ``nova_object``."""
        return "nova_object.data" in self.payload

    @property
    def data(self) -> dict[str, Any]:
        """The payload's fields (a versioned payload's ``nova_object.data``)."""
        inner = self.payload.get("nova_object.data")
        return inner if isinstance(inner, dict) else self.payload


def parse_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    text = value.strip().removesuffix("Z").removesuffix("+00:00")
    with contextlib.suppress(ValueError):  # the formats below, without strptime's cost
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None and len(text) >= len("2000-01-01 00:00:00"):
            return parsed.replace(tzinfo=UTC)
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def parse_body(body: bytes) -> Notification:
    try:
        outer = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BadMessage(f"body is not JSON: {err}") from None
    if not isinstance(outer, dict):
        raise BadMessage("body is not a JSON object")
    message = outer
    if "oslo.message" in outer:
        inner = outer["oslo.message"]
        try:
            message = json.loads(inner) if isinstance(inner, str | bytes) else inner
        except json.JSONDecodeError as err:
            raise BadMessage(f"oslo.message is not JSON: {err}") from None
        if not isinstance(message, dict):
            raise BadMessage("oslo.message is not a JSON object")
    event_type = message.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        raise BadMessage("no event_type")
    payload = message.get("payload")
    if not isinstance(payload, dict):
        raise BadMessage(f"{event_type}: payload is not a JSON object")
    message_id = message.get("message_id")
    priority = str(message.get("priority") or "info").lower()
    return Notification(
        event_type=event_type, payload=payload,
        message_id=str(message_id) if message_id else None,
        publisher_id=str(message.get("publisher_id") or ""),
        priority=LEVELS.get(priority, "info"),
        timestamp=parse_timestamp(message.get("timestamp")),
        context={k: v for k, v in message.items() if k.startswith("_context_")
                 and k != "_context_auth_token"})
