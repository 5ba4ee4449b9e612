"""The payload fields handlers read, as pydantic models that ignore every other field.

A payload that lacks a field a handler needs fails validation: the listener parks the
message in the dead-letter queue with a record saying which field.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from calipso.events.envelope import BadMessage, Notification


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


M = TypeVar("M", bound=_Payload)


class InstancePayload(_Payload):
    """Legacy ``compute.instance.*`` (``instance_id``) and versioned ``instance.*``
    (``uuid`` inside ``nova_object.data``)."""

    instance_id: str = Field(min_length=1)
    host: str | None = None
    display_name: str | None = None
    state: str | None = None
    old_state: str | None = None


class NetworkPayload(_Payload):
    id: str = Field(min_length=1)


class SubnetPayload(_Payload):
    id: str = Field(min_length=1)
    network_id: str | None = None


class PortPayload(_Payload):
    id: str = Field(min_length=1)
    network_id: str | None = None
    device_id: str | None = None
    device_owner: str | None = None
    host: str | None = Field(None, alias="binding:host_id")


class AgentPayload(_Payload):
    """Neutron's agent view (``agent.update.end``, ``agent.delete.end``)."""

    id: str = Field(min_length=1)
    host: str | None = None
    binary: str | None = None


class ServicePayload(_Payload):
    """Nova's versioned ``ServiceStatusPayload`` (``service.create/update/delete``)."""

    host: str = Field(min_length=1)
    binary: str | None = None


class GatewayInfo(_Payload):
    network_id: str | None = None


class RouterPayload(_Payload):
    id: str = Field(min_length=1)
    external_gateway_info: GatewayInfo | None = None


class InterfacePayload(_Payload):
    id: str = Field(min_length=1)  # the router
    network_id: str | None = None
    port_id: str | None = None
    subnet_id: str | None = None


def _validate(model: type[M], data: Any, event_type: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(payload)"
        raise BadMessage(f"{event_type}: payload {where}: {first['msg']}") from None


def service_payload(n: Notification) -> ServicePayload:
    return _validate(ServicePayload, n.data, n.event_type)


def instance_payload(n: Notification) -> InstancePayload:
    data = dict(n.data)
    if "instance_id" not in data and "uuid" in data:
        data["instance_id"] = data["uuid"]
    return _validate(InstancePayload, data, n.event_type)


def resource_payload(n: Notification, kind: str, model: type[M]) -> M:
    """A Neutron payload: ``{kind: {...}}``, or ``{kind}_id`` alone (a delete's start)."""
    body = n.payload.get(kind)
    if not isinstance(body, dict):
        body = {"id": n.payload.get(f"{kind}_id") or n.payload.get("id")}
    elif "id" not in body and f"{kind}_id" in n.payload:
        body = body | {"id": n.payload[f"{kind}_id"]}
    return _validate(model, body, n.event_type)
