"""oslo.messaging bodies: v2 envelopes, v1 bodies, versioned payloads, and what is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from calipso.events.envelope import BadMessage, parse_body, parse_timestamp
from calipso.events.payloads import (
    PortPayload,
    RouterPayload,
    instance_payload,
    resource_payload,
)

MESSAGE = {"event_type": "port.create.end", "priority": "INFO", "publisher_id": "network.c1",
           "message_id": "m-1", "timestamp": "2026-12-07 00:10:11.123456",
           "_context_auth_token": "secret-token", "_context_project_id": "p1",
           "payload": {"port": {"id": "p-1", "network_id": "n-1", "binding:host_id": "h1",
                                "extra": {"anything": 1}}}}


def test_v2_envelope_and_v1_body_give_the_same_notification() -> None:
    v2 = json.dumps({"oslo.version": "2.0", "oslo.message": json.dumps(MESSAGE)}).encode()
    v1 = json.dumps(MESSAGE).encode()
    for body in (v2, v1):
        n = parse_body(body)
        assert (n.event_type, n.message_id, n.publisher_id, n.priority) == (
            "port.create.end", "m-1", "network.c1", "info")
        assert n.timestamp == datetime(2026, 12, 7, 0, 10, 11, 123456, tzinfo=UTC)
        assert n.context == {"_context_project_id": "p1"}  # the token is not kept
        port = resource_payload(n, "port", PortPayload)
        assert (port.id, port.network_id, port.host) == ("p-1", "n-1", "h1")


def test_a_versioned_instance_payload() -> None:
    body = {"event_type": "instance.create.end", "publisher_id": "nova-compute:h1",
            "payload": {"nova_object.name": "InstanceCreatePayload",
                        "nova_object.data": {"uuid": "i-1", "host": "h1", "state": "active",
                                             "display_name": "vm"}}}
    n = parse_body(json.dumps(body).encode())
    assert n.versioned
    payload = instance_payload(n)
    assert (payload.instance_id, payload.host, payload.state) == ("i-1", "h1", "active")


@pytest.mark.parametrize(("body", "reason"), [
    (b"{not json", "body is not JSON"),
    (b"[1, 2]", "body is not a JSON object"),
    (json.dumps({"oslo.version": "2.0", "oslo.message": "{oops"}).encode(),
     "oslo.message is not JSON"),
    (json.dumps({"payload": {}}).encode(), "no event_type"),
    (json.dumps({"event_type": "port.create.end", "payload": "x"}).encode(),
     "port.create.end: payload is not a JSON object"),
])
def test_what_is_no_notification_says_why(body: bytes, reason: str) -> None:
    with pytest.raises(BadMessage, match=reason):
        parse_body(body)


def test_a_payload_without_the_field_a_handler_needs() -> None:
    n = parse_body(json.dumps({"event_type": "router.update.end",
                               "payload": {"router": {"name": "r"}}}).encode())
    with pytest.raises(BadMessage, match=r"router\.update\.end: payload id: Field required"):
        resource_payload(n, "router", RouterPayload)
    n = parse_body(json.dumps({"event_type": "compute.instance.update",
                               "payload": {"host": "h"}}).encode())
    with pytest.raises(BadMessage, match="payload instance_id: Field required"):
        instance_payload(n)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-07 00:10:11.123456", datetime(2026, 12, 7, 0, 10, 11, 123456, tzinfo=UTC)),
    ("2026-12-07T00:10:11Z", datetime(2026, 12, 7, 0, 10, 11, tzinfo=UTC)),
    ("2026-12-07T00:10:11.5+00:00", datetime(2026, 12, 7, 0, 10, 11, 500000, tzinfo=UTC)),
    ("2026-12-07 00:10:11", datetime(2026, 12, 7, 0, 10, 11, tzinfo=UTC)),
    # what Nova and Neutron never send is no timestamp, not a guess
    ("2026-12-07", None), ("2026-12-07T00:10:11+01:00", None), ("yesterday", None), (17, None),
])
def test_notification_timestamps_are_read_as_utc(text: object, expected: datetime | None) -> None:
    assert parse_timestamp(text) == expected
