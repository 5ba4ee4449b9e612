"""A port created: read, with its host's vNIC when it is bound."""

from calipso.events.handlers.base import PortEvent


class EventPortAdd(PortEvent):
    """A port created: read, with its host's vNIC when it is bound."""
