"""An instance renamed, stopped, started, paused or resumed: its host re-read."""

from calipso.events.handlers.base import InstanceChange


class EventInstanceUpdate(InstanceChange):
    """An instance renamed, stopped, started, paused or resumed: its host re-read."""
