"""Implicit links: the transitive closure of the explicit links found in this run.

Two links A→B and B→C of different types make an implicit A→C of type
``<A type>-<C type>``, unless C is A (no 2-cycles) or the links disagree on a constraint
attribute (e.g. two different ``network`` values). The closure grows pass by pass from
the links the previous pass made, each joined with the explicit links; a link already
known (explicit, or implicit from an earlier pass) is never made again, so cycles end.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from calipso.clique_choice import choose_clique_types
from calipso.inventory import Doc, LinkKey
from calipso.links.base import DOWN, UP, FindLinks, log_info


def shared(attr: str, first: Doc, second: Doc) -> Any:
    """``attr`` when the two links agree on it or only one has it; else None."""
    if attr not in first:
        return second.get(attr)
    if attr not in second or first[attr] == second[attr]:
        return first[attr]
    return None


class FindImplicitLinks(FindLinks):
    async def add_links(self) -> None:
        if not await self.wanted():
            log_info(self.log, "implicit links not made: no clique type of this "
                     "environment uses them")
            return
        constraints = await self.constraint_attributes()
        explicit = await self._explicit_links()
        by_source: dict[str, list[Doc]] = defaultdict(list)
        known: set[LinkKey] = set()
        for link in explicit:
            by_source[link["source_id"]].append(link)
            known.add((link["link_type"], link["source_id"], link["target_id"]))
        frontier = explicit
        passes = made = 0
        while frontier:
            passes += 1
            new: list[Doc] = []
            for first in frontier:
                for second in by_source.get(first["target_id"], ()):
                    link = self._join(first, second, constraints, known)
                    if link is not None:
                        new.append(link)
                        await self.links.add(link)
            made += len(new)
            frontier = new
        log_info(self.log, "implicit links found", count=made, passes=passes,
                 constraints=constraints)

    async def wanted(self) -> bool:
        """Whether a clique type chosen for this environment uses implicit links."""
        clique_types = await self.ctx.db.clique_types.find({}, {"_id": 0}).to_list(None)
        chosen = choose_clique_types(clique_types, self.ctx.env)
        return any(t.get("use_implicit_links") is True for t in chosen.values())

    async def constraint_attributes(self) -> list[str]:
        """Attributes named by the clique constraints that apply to this environment."""
        cursor = self.ctx.db.clique_constraints.find(
            {"$or": [{"environment": {"$in": [self.env, "ANY"]}},
                     {"environment": {"$exists": False}}]}, {"constraints": 1})
        names: set[str] = set()
        async for doc in cursor:
            names.update(c for c in doc.get("constraints") or () if isinstance(c, str))
        return sorted(names)

    async def _explicit_links(self) -> list[Doc]:
        """This run's explicit links; in a scoped run, with the stored ones outside the
        scope (a chain through the scope may go on outside it)."""
        if self.ctx.scope is None and self.links.count:
            return self.links.found()
        cursor = self.ctx.db.links.find({"environment": self.env, "implicit": {"$ne": True}})
        stored = [doc async for doc in cursor]
        if self.ctx.scope is None:
            return stored
        return [d for d in stored if not self.links.in_scope(d)] + self.links.found()

    def _join(self, first: Doc, second: Doc, constraints: list[str],
              known: set[LinkKey]) -> Doc | None:
        if first["link_type"] == second["link_type"]:
            return None
        if first["source_id"] == second["target_id"]:
            return None
        attrs1 = first.get("attributes") or {}
        attrs2 = second.get("attributes") or {}
        if any(c in attrs1 and c in attrs2 and attrs1[c] != attrs2[c] for c in constraints):
            return None
        link_type = (f"{first['link_type'].split('-', 1)[0]}-"
                     f"{second['link_type'].split('-', 1)[1]}")
        key = (link_type, first["source_id"], second["target_id"])
        if key in known:
            return None
        known.add(key)
        attributes = {c: attrs1[c] if c in attrs1 else attrs2[c]
                      for c in constraints if c in attrs1 or c in attrs2}
        link: Doc = {
            "link_type": link_type,
            "source": first["source"], "source_id": first["source_id"],
            "target": second["target"], "target_id": second["target_id"],
            "link_name": "",
            "state": DOWN if DOWN in (first.get("state"), second.get("state")) else UP,
            "link_weight": 0,
            "implicit": True,
            "attributes": attributes,
            "source_label": "",
            "target_label": "",
        }
        for attr in ("host", "switch"):
            value = shared(attr, first, second)
            if value:
                link[attr] = value
        return link
