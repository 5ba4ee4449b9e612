"""A port changed (binding, a move to another host): re-read on both hosts."""

from calipso.events.handlers.base import PortEvent


class EventPortUpdate(PortEvent):
    """A port changed (binding, a move to another host): re-read on both hosts."""
