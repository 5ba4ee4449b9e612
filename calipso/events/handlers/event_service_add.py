"""A Nova service was created on a known host: its services, role and zone re-read."""

from calipso.events.handlers.base import ServiceEvent


class EventServiceAdd(ServiceEvent):
    """A Nova service was created on a known host: its services, role and zone re-read."""
