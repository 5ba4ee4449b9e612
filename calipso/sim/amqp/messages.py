"""oslo.messaging notifications: the request context keys, the message, the v2 envelope.

The key sets are those of the captures in `shared/fixtures/notifications` (their union
over releases, e.g. `_context_is_admin_project` of newer oslo.context): Nova's context
(`_context_quota_class`, `_context_service_catalog`, `_context_remote_address`, …) differs
from Neutron's (`_context_tenant_id`, `_context_tenant_name`, …). Times are UTC.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

OSLO_VERSION = "2.0"
LEGACY_TOPIC = "notifications"
VERSIONED_TOPIC = "versioned_notifications"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # the message `timestamp`


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made the API call: a Keystone user scoped to a project."""

    user_id: str
    user_name: str
    project_id: str
    project_name: str
    roles: tuple[str, ...] = ("admin", "member", "reader")


def new_request_id() -> str:
    return f"req-{uuid.uuid4()}"


def fake_token() -> str:
    """Shaped like a Fernet token; never valid anywhere."""
    return "gAAAAAB" + secrets.token_urlsafe(135)


def _common(caller: Caller, request_id: str, token: str) -> dict[str, Any]:
    return {
        "_context_auth_token": token, "_context_domain": None, "_context_is_admin": True,
        "_context_is_admin_project": True, "_context_global_request_id": None,
        "_context_project_domain": None, "_context_project_id": caller.project_id,
        "_context_project_name": caller.project_name, "_context_read_only": False,
        "_context_read_deleted": "no",
        "_context_request_id": request_id, "_context_resource_uuid": None,
        "_context_roles": list(caller.roles), "_context_show_deleted": False,
        "_context_tenant": caller.project_id, "_context_user": caller.user_id,
        "_context_user_domain": None, "_context_user_id": caller.user_id,
        "_context_user_identity": f"{caller.user_id} {caller.project_id} - - -",
        "_context_user_name": caller.user_name,
    }


def neutron_context(caller: Caller, request_id: str, token: str) -> dict[str, Any]:
    return _common(caller, request_id, token) | {
        "_context_tenant_id": caller.project_id, "_context_tenant_name": caller.project_name,
        "_context_timestamp": datetime.now(UTC).strftime(TIME_FORMAT),
    }


def nova_context(caller: Caller, request_id: str, token: str, remote_address: str,
                 service_catalog: list[dict[str, Any]]) -> dict[str, Any]:
    return _common(caller, request_id, token) | {
        "_context_quota_class": None,
        "_context_instance_lock_checked": False, "_context_remote_address": remote_address,
        "_context_service_catalog": service_catalog,
        "_context_timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"),
    }


@dataclass(frozen=True, slots=True)
class Notification:
    """One notification to publish: `service` picks the exchange (nova | neutron)."""

    service: str
    topic: str  # notifications | versioned_notifications
    event_type: str
    publisher_id: str
    payload: dict[str, Any]
    context: dict[str, Any]

    @property
    def routing_key(self) -> str:
        return f"{self.topic}.info"

    def message(self) -> dict[str, Any]:
        """The inner oslo message, stamped now (message id, timestamp, `_unique_id`)."""
        return {**self.context, "event_type": self.event_type, "payload": self.payload,
                "priority": "INFO", "publisher_id": self.publisher_id,
                "message_id": str(uuid.uuid4()),
                "timestamp": datetime.now(UTC).strftime(TIME_FORMAT),
                "_unique_id": uuid.uuid4().hex}


def envelope(message: dict[str, Any]) -> bytes:
    """The messaging v2 body: the message as a JSON string inside `oslo.message`."""
    return json.dumps({"oslo.version": OSLO_VERSION,
                       "oslo.message": json.dumps(message)}).encode()
