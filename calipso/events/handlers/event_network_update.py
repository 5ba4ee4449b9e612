"""A network changed: re-read."""

from calipso.events.handlers.base import NetworkEvent


class EventNetworkUpdate(NetworkEvent):
    """A network changed: re-read."""
