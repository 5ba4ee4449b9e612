"""A router interface removed: its port and vNIC go."""

from calipso.events.handlers.base import InterfaceEvent


class EventInterfaceDelete(InterfaceEvent):
    """A router interface removed: its port and vNIC go."""
