"""A network changed (renamed, its admin state): re-read on every host where it is."""

from calipso.events.handlers.base import NetworkEvent


class EventNetworkUpdate(NetworkEvent):
    """A network changed: re-read, with every host where it has a port (its name is
    in their DHCP vServices, instances' network_info and link names)."""

    everywhere = True
