"""A new or rebuilt instance: its host and networks re-read."""

from calipso.events.handlers.base import InstanceEvent


class EventInstanceAdd(InstanceEvent):
    """A new or rebuilt instance: its host and networks re-read."""
