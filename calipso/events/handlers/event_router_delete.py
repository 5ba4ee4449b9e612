"""A router deleted: its namespace goes."""

from calipso.events.handlers.base import RouterEvent


class EventRouterDelete(RouterEvent):
    """A router deleted: its namespace goes."""
