"""An instance migrated: the host it left (the stored instance's) and the host it is on
(the payload's) re-read, with the networks of its ports: a network's set of hosts
changes, and with it the tunnels of the hosts it spans."""

from calipso.events.handlers.base import InstanceEvent


class EventInstanceMove(InstanceEvent):
    """An instance migrated: its old and new hosts and its networks re-read."""
