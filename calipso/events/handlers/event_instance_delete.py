"""An instance deleted: its host re-read (the instance and its vNICs go)."""

from calipso.events.handlers.base import InstanceEvent


class EventInstanceDelete(InstanceEvent):
    """An instance deleted: its host re-read (the instance and its vNICs go)."""
