"""An instance migrated: the host it left (the stored instance's) and the host it is on
(the payload's) re-read in their instance parts, with its own ports; a network whose set
of hosts changed with it has the hosts that joined or left it re-read whole and its
other hosts' tunnels re-read (``refresh.apply``)."""

from calipso.events.handlers.base import InstanceEvent


class EventInstanceMove(InstanceEvent):
    """An instance migrated: its old and new hosts and its own ports re-read."""
