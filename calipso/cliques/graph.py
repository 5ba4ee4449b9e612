"""The links of one environment held in memory, and the walk that makes one clique.

A clique type lists link types ``X-Y`` in order. For each, the walk starts from the
objects of type X already in the clique and follows links of type ``X-Y`` forward
(source → target) and links of type ``Y-X`` backward (target → source), so a clique
type can name a link in either direction. A link that breaks a constraint is left out:
for each constraint attribute present in the link's ``attributes``, the value must be
(in) the focal point's value. A link type that adds nothing does not end the walk; the
next link types are still followed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId

from calipso.inventory import digest

Doc = dict[str, Any]


@dataclass(slots=True)
class LinkGraph:
    """Links indexed by their ends. ``around`` (a scoped graph) holds the objects whose
    links are all loaded; a walk that reaches another object names it in ``missing``, and
    its result is incomplete until those are loaded and it walks again. Without
    ``around`` the graph holds every link of the environment."""

    forward: dict[tuple[str, ObjectId], list[Doc]] = field(
        default_factory=lambda: defaultdict(list))
    digests: dict[ObjectId, bytes] = field(default_factory=dict)
    backward: dict[tuple[str, ObjectId], list[Doc]] = field(
        default_factory=lambda: defaultdict(list))
    size: int = 0
    around: set[ObjectId] | None = None
    missing: dict[ObjectId, str] = field(default_factory=dict)
    _held: set[ObjectId] = field(default_factory=set)

    def digest(self, link: Doc) -> bytes:
        """The link document's fingerprint, computed once per link."""
        found = self.digests.get(link["_id"])
        if found is None:
            found = self.digests[link["_id"]] = digest(link, sorted(link))
        return found

    def add(self, link: Doc) -> None:
        if self.around is not None:  # a link is loaded from each of its ends
            if link["_id"] in self._held:
                return
            self._held.add(link["_id"])
        self.forward[(link["link_type"], link["source"])].append(link)
        self.backward[(link["link_type"], link["target"])].append(link)
        self.size += 1


def allowed(link: Doc, constraints: dict[str, Any]) -> bool:
    attributes = link.get("attributes") or {}
    for name, wanted in constraints.items():
        if wanted is None or name not in attributes:
            continue  # the focal point has no value, or the link does not say
        value = attributes[name]
        if isinstance(wanted, list):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def walk(focal: Doc, link_types: list[str], constraints: dict[str, Any],
         graph: LinkGraph, implicit: bool = False) -> tuple[list[Doc], list[str]]:
    """The links of ``focal``'s clique in walk order, and the ids of its objects
    (implicit links are followed only with ``implicit``)."""
    # Ordered sets (dicts): a set of ObjectIds iterates in an order that follows the
    # process's hash seed, and the clique's link order would follow it too.
    nodes_of_type: dict[str, dict[ObjectId, None]] = {focal["type"]: {focal["_id"]: None}}
    node_ids: dict[ObjectId, str] = {focal["_id"]: focal["id"]}
    chosen: list[Doc] = []
    taken: set[ObjectId] = set()
    for link_type in link_types:
        from_type, _, to_type = link_type.partition("-")
        starts = nodes_of_type.get(from_type)
        if not starts or not to_type:
            continue
        reverse = f"{to_type}-{from_type}"
        reached = nodes_of_type.setdefault(to_type, {})
        for node in list(starts):
            if graph.around is not None and node not in graph.around:
                graph.missing[node] = node_ids[node]
                continue
            for link, end, end_id in _steps(graph, link_type, reverse, node):
                if link["_id"] in taken or not allowed(link, constraints):
                    continue
                if link.get("implicit") and not implicit:
                    continue
                taken.add(link["_id"])
                chosen.append(link)
                reached[end] = None
                node_ids.setdefault(end, end_id)
    return chosen, list(node_ids.values())


def _steps(graph: LinkGraph, link_type: str, reverse: str,
           node: ObjectId) -> list[tuple[Doc, ObjectId, str]]:
    # in ``_id`` order, whatever order the links were loaded in (a scoped graph loads them
    # round by round): a clique's links keep one order, so its fingerprint too
    steps = [(link, link["target"], link["target_id"])
             for link in sorted(graph.forward.get((link_type, node), ()), key=_oid)]
    steps.extend((link, link["source"], link["source_id"])
                 for link in sorted(graph.backward.get((reverse, node), ()), key=_oid))
    return steps


def _oid(link: Doc) -> ObjectId:
    return link["_id"]
