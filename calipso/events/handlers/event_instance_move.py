"""An instance migrated: the host it left and the host it is on re-read."""

from calipso.events.handlers.base import InstanceChange


class EventInstanceMove(InstanceChange):
    """An instance migrated: the host it left and the host it is on re-read."""
