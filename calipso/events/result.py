"""What a handler is and what it returns: the seed's ``EventResult`` and ``EventHandler``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from calipso.env_config import EnvironmentConfig

if TYPE_CHECKING:
    from calipso.events.envelope import Notification
    from calipso.events.services import EventServices


@dataclass(slots=True)
class EventResult:
    """``result``: the event was applied (or needs nothing). ``retry``: it could not be
    applied yet (an object it needs is not known) and should be tried again later."""

    result: bool
    retry: bool = False
    message: str | None = None
    related_object: str | None = None
    display_context: str | None = None
    # what the event changed, for the event's record and the counters
    changed: dict[str, int] | None = None


class EventHandler:
    """Base of every handler named in ``config/events.json``.

    A handler is built once per listener with the services it may use, and its
    ``handle`` is called for each notification routed to it, one at a time per
    environment, in the order the broker delivered them.
    """

    def __init__(self, services: EventServices) -> None:
        self.services = services

    async def handle(self, env: EnvironmentConfig, notification: Notification) -> EventResult:
        raise NotImplementedError

    @staticmethod
    def payload_field(notification: Notification, *keys: str) -> Any:
        """The first of ``keys`` present in the payload, else None."""
        for key in keys:
            if key in notification.payload:
                return notification.payload[key]
        return None
