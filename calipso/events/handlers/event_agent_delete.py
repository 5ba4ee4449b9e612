"""An agent row was deleted: its host re-read (its vEdge may go)."""

from calipso.events.handlers.base import AgentEvent


class EventAgentDelete(AgentEvent):
    """An agent row was deleted: its host re-read (its vEdge may go)."""
