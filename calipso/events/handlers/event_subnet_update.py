"""A subnet changed (DHCP on or off, renamed): its network re-read."""

from calipso.events.handlers.base import SubnetEvent


class EventSubnetUpdate(SubnetEvent):
    """A subnet changed (DHCP on or off, renamed): its network re-read."""
