"""Calipso's own event handlers (see calipso/events/README.md)."""
