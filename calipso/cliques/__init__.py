"""Cliques: the graph around each focal point, by clique types and constraints."""

from calipso.cliques.finder import find_cliques, rebuild_cliques_around

__all__ = ["find_cliques", "rebuild_cliques_around"]
