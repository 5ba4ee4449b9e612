"""``config/events.json``: queues and handlers, loaded, validated and resolved at start-up.

The seed's format: ``handlers_package``, ``queues`` (``{queue, exchange}``; Calipso binds
a queue of its own per environment to each exchange, see README.md) and
``event_handlers`` (event type → handler class, module = snake_case of the class inside
the package). Every problem is one line of one ``MetadataError`` naming the file and the
field, e.g. ``config/events.json: event_handlers.port.create.end: no EventPortAd in ...``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from calipso.config_paths import config_root
from calipso.errors import MetadataError
from calipso.events.result import EventHandler
from calipso.json_file import read_json
from calipso.plugins import import_class, snake_case, validation_problems

ROUTING_KEYS = ("notifications.info", "versioned_notifications.info")


class QueueModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    queue: str = Field(min_length=1)
    exchange: str = Field(min_length=1)
    routing_keys: list[str] = Field(default=list(ROUTING_KEYS), min_length=1)


class EventsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    handlers_package: str = Field(min_length=1)
    queues: list[QueueModel] = Field(min_length=1)
    event_handlers: dict[str, str] = Field(min_length=1)
    comment: str | None = Field(None, alias="_comment")


@dataclass(frozen=True, slots=True)
class Binding:
    exchange: str
    routing_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EventRouting:
    """The exchanges to bind and the handler class of each event type."""

    bindings: tuple[Binding, ...]
    handlers: dict[str, type[EventHandler]]
    source: str = "config/events.json"

    def with_exchanges(self, names: dict[str, str]) -> EventRouting:
        """The same routing with exchanges renamed (``{"nova": "test-nova"}``)."""
        return replace(self, bindings=tuple(
            Binding(names.get(b.exchange, b.exchange), b.routing_keys) for b in self.bindings))


def resolve_handler(package: str, class_name: str) -> type[EventHandler]:
    cls = import_class(f"{package}.{snake_case(class_name)}", class_name, package)
    if not issubclass(cls, EventHandler):
        raise LookupError(f"{class_name} is not an EventHandler")
    if cls.handle is EventHandler.handle or not inspect.iscoroutinefunction(cls.handle):
        raise LookupError(f"{class_name}.handle is not an async def handle(self, env, "
                          "notification)")
    return cls


def parse_events(data: Any, source: str) -> EventRouting:
    try:
        model = EventsFile.model_validate(data)
    except ValidationError as err:
        raise MetadataError(validation_problems(err, source)) from None
    problems: list[str] = []
    handlers: dict[str, type[EventHandler]] = {}
    for event_type, class_name in model.event_handlers.items():
        try:
            handlers[event_type] = resolve_handler(model.handlers_package, class_name)
        except LookupError as err:
            problems.append(f"{source}: event_handlers.{event_type}: {err}")
    if problems:
        raise MetadataError(problems)
    bindings: dict[str, tuple[str, ...]] = {}
    for queue in model.queues:  # one exchange listed twice is bound once
        keys = bindings.get(queue.exchange, ()) + tuple(queue.routing_keys)
        bindings[queue.exchange] = tuple(dict.fromkeys(keys))
    return EventRouting(tuple(Binding(e, k) for e, k in bindings.items()), handlers, source)


def load_events(config_dir: Path | None) -> EventRouting:
    path = config_root(config_dir) / "events.json"
    return parse_events(read_json(path), str(path))
