"""A port deleted: it goes, with its vNIC."""

from calipso.events.handlers.base import PortEvent


class EventPortDelete(PortEvent):
    """A port deleted: it goes, with its vNIC."""
