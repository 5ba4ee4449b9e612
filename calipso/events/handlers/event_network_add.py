"""A network created: read and filed under its project."""

from calipso.events.handlers.base import NetworkEvent


class EventNetworkAdd(NetworkEvent):
    """A network created: read and filed under its project."""
