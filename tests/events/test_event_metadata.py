"""config/events.json: the shipped file resolves; every problem of a bad one is named at once;
a user's own handler in a package of their own works without touching Calipso."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from calipso.config_paths import SHIPPED_CONFIG
from calipso.errors import MetadataError
from calipso.events.handlers.event_port_add import EventPortAdd
from calipso.events.metadata import ROUTING_KEYS, load_events, parse_events


def test_the_shipped_file_routes_every_event_of_the_reference() -> None:
    routing = load_events(None)
    for event_type in ("compute.instance.create.end", "instance.create.end",
                       "compute.instance.delete.end", "compute.instance.update",
                       "network.create.end", "subnet.update.end", "port.delete.end",
                       "router.interface.create", "router.interface.delete",
                       "compute.instance.power_off.end", "instance.live_migration_post_dest.end"):
        assert event_type in routing.handlers, event_type
    assert routing.handlers["port.create.end"] is EventPortAdd
    assert {b.exchange for b in routing.bindings} == {"nova", "neutron", "dhcp_agent"}
    assert all(b.routing_keys == ROUTING_KEYS for b in routing.bindings)


def test_every_problem_is_one_line_naming_the_file_and_the_field() -> None:
    data = {"handlers_package": "calipso.events.handlers",
            "queues": [{"queue": "notifications.nova", "exchange": "nova"}],
            "event_handlers": {"port.create.end": "EventPortAd",
                               "port.delete.end": "EventResult",
                               "network.create.end": "EventNetworkAdd"}}
    with pytest.raises(MetadataError) as info:
        parse_events(data, "events.json")
    assert info.value.problems == [
        "events.json: event_handlers.port.create.end: no EventPortAd in calipso.events.handlers",
        "events.json: event_handlers.port.delete.end: no EventResult in "
        "calipso.events.handlers",
    ]
    with pytest.raises(MetadataError) as info:
        parse_events({"handlers_package": "x", "queues": [{"exchange": "nova"}],
                      "event_handlers": {}, "listen": True}, "events.json")
    text = str(info.value)
    assert "events.json: queues.0.queue: Field required" in text
    assert "events.json: listen: Extra inputs are not permitted" in text
    assert "events.json: event_handlers:" in text


def test_a_users_handler_in_their_own_package(tmp_path: Path) -> None:
    package = tmp_path / "my_handlers"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "event_audit.py").write_text(
        "from calipso.events.result import EventHandler, EventResult\n"
        "class EventAudit(EventHandler):\n"
        "    async def handle(self, env, notification):\n"
        "        return EventResult(True, message=notification.event_type)\n")
    (package / "event_sync.py").write_text(
        "from calipso.events.result import EventHandler, EventResult\n"
        "class EventSync(EventHandler):\n"
        "    def handle(self, env, notification):\n"
        "        return EventResult(True)\n")
    sys.path.insert(0, str(tmp_path))
    try:
        routing = parse_events({"handlers_package": "my_handlers",
                                "queues": [{"queue": "q", "exchange": "nova"}],
                                "event_handlers": {"compute.instance.create.end": "EventAudit"}},
                               "mine.json")
        assert routing.handlers["compute.instance.create.end"].__name__ == "EventAudit"
        with pytest.raises(MetadataError, match=r"EventSync\.handle is not an async def"):
            parse_events({"handlers_package": "my_handlers",
                          "queues": [{"queue": "q", "exchange": "nova"}],
                          "event_handlers": {"x": "EventSync"}}, "mine.json")
    finally:
        sys.path.remove(str(tmp_path))


def test_check_config_reads_events_json(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG, config)
    data = json.loads((config / "events.json").read_text())
    data["event_handlers"]["port.create.end"] = "EventPortAd"
    (config / "events.json").write_text(json.dumps(data))
    done = subprocess.run([sys.executable, "-m", "calipso.cli", "check-config"],
                          env={**os.environ, "CALIPSO_CONFIG_DIR": str(config)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "events.json: event_handlers.port.create.end: no EventPortAd" in done.stderr
