"""Cliques: the graph around each focal point, by clique types and constraints."""

from calipso.cliques.finder import find_cliques

__all__ = ["find_cliques"]
