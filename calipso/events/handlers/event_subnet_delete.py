"""A subnet deleted: its network re-read."""

from calipso.events.handlers.base import SubnetEvent


class EventSubnetDelete(SubnetEvent):
    """A subnet deleted: its network re-read."""
