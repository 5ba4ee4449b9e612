"""A network deleted: it goes with its ports and the DHCP server of its hosts."""

from calipso.events.handlers.base import NetworkEvent


class EventNetworkDelete(NetworkEvent):
    """A network deleted: it goes with its ports and the DHCP server of its hosts."""
