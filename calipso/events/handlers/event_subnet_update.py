"""A subnet changed (DHCP on or off, gateway, DNS, pools, renamed): its network re-read
on every host where it is."""

from calipso.events.handlers.base import SubnetEvent


class EventSubnetUpdate(SubnetEvent):
    """A subnet changed: its network re-read, with every host where it has a port (the
    subnet's gateway, DNS and DHCP server are in instances' network_info)."""

    everywhere = True
