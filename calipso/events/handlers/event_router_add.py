"""A router created: its gateway and namespace read."""

from calipso.events.handlers.base import RouterEvent


class EventRouterAdd(RouterEvent):
    """A router created: its gateway and namespace read."""
