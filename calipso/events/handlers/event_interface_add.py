"""A router interface added: its port and the router's vNIC read."""

from calipso.events.handlers.base import InterfaceEvent


class EventInterfaceAdd(InterfaceEvent):
    """A router interface added: its port and the router's vNIC read."""
