"""A router's gateway set or cleared: re-read."""

from calipso.events.handlers.base import RouterEvent


class EventRouterUpdate(RouterEvent):
    """A router's gateway set or cleared: re-read."""
