"""An admin changed an agent (admin_state_up, description): its host's agents re-read."""

from calipso.events.handlers.base import AgentEvent


class EventAgentUpdate(AgentEvent):
    """An admin changed an agent (admin_state_up, description): its host's agents re-read."""
