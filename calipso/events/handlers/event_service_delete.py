"""A Nova service was deleted: its host's services, role and zone re-read."""

from calipso.events.handlers.base import ServiceEvent


class EventServiceDelete(ServiceEvent):
    """A Nova service was deleted: its host's services, role and zone re-read."""
