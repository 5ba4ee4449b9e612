"""A Nova service was disabled, enabled or forced down: its host's services and zone re-read."""

from calipso.events.handlers.base import ServiceEvent


class EventServiceUpdate(ServiceEvent):
    """A Nova service was disabled, enabled or forced down: its host's services and zone re-read."""
