"""A subnet created: its network and DHCP server re-read."""

from calipso.events.handlers.base import SubnetEvent


class EventSubnetAdd(SubnetEvent):
    """A subnet created: its network and DHCP server re-read."""
