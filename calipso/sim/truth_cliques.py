"""Cliques of the truth: the shipped seed's clique types walked over the truth's links.

Written apart from Calipso's clique finder (it reads the seed's JSON files as data and
imports none of Calipso's discovery code), to the rules Calipso documents:

* Per focal point type the clique type with the best score for the environment wins
  (reference §5.1): a named environment scores 64 for this one, 1 for `ANY`, 0 for another;
  a configuration-bound type scores 0 when a field it gives does not match, else 32
  (distribution) + 16 (version) + 8 (mechanism driver, any case) + 4 (type driver), at
  least 2. Ties go to the first type in the file.
* Constraints: the document for this environment, else `ANY`, else one without any.
* The walk: per link type `X-Y` in order, from the objects of type X already in the clique,
  `X-Y` links forward and `Y-X` links backward. A link type that adds nothing does not end
  the walk. A link whose constraint attribute differs from (is not in) the focal point's
  value is left out; a focal point without the attribute is not constrained by it.
* A focal point whose walk finds no link has no clique.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calipso.config_paths import SHIPPED_CONFIG

Doc = dict[str, Any]

SEED_DIR = SHIPPED_CONFIG / "seed"


@dataclass(frozen=True, slots=True)
class CliqueEnv:
    """What the clique type scores look at: the environment as `env_config()` declares it."""

    name: str
    distribution: str
    distribution_version: str
    mechanism_drivers: tuple[str, ...]
    type_drivers: str
    environment_type: str = "OpenStack"


def load_seed_list(name: str, seed_dir: Path = SEED_DIR) -> list[Doc]:
    """One seed file (`clique_types`, `clique_constraints`) as its list of documents."""
    docs = json.loads((seed_dir / f"{name}.json").read_text("utf-8"))
    return [d for d in docs if isinstance(d, dict)]


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def type_score(clique_type: Doc, env: CliqueEnv) -> int:
    if "environment" in clique_type and clique_type["environment"] is not None:
        named = clique_type["environment"]
        return 64 if named == env.name else 1 if named == "ANY" else 0
    wanted_type = clique_type.get("environment_type")
    if wanted_type is not None and wanted_type != env.environment_type:
        return 0
    total = 0
    fields = (("distribution", {env.distribution}, 32, False),
              ("distribution_version", {env.distribution_version}, 16, False),
              ("mechanism_drivers", {m.lower() for m in env.mechanism_drivers}, 8, True),
              ("type_drivers", {env.type_drivers}, 4, False))
    for field, have, points, fold in fields:
        if clique_type.get(field) is None:
            continue
        given = {v.lower() if fold else v for v in _as_list(clique_type[field])}
        if not given & have:
            return 0
        total += points
    return max(total, 2)


def chosen_types(types: list[Doc], env: CliqueEnv) -> dict[str, Doc]:
    """focal_point_type → the best scoring clique type (the first one on a tie)."""
    best: dict[str, tuple[int, Doc]] = {}
    for doc in types:
        focal, score = doc.get("focal_point_type"), type_score(doc, env)
        if isinstance(focal, str) and score > best.get(focal, (0, doc))[0]:
            best[focal] = (score, doc)
    return {focal: doc for focal, (_, doc) in best.items()}


def chosen_constraints(docs: list[Doc], env: CliqueEnv) -> dict[str, list[str]]:
    rank: dict[str | None, int] = {env.name: 3, "ANY": 2, None: 1}
    best: dict[str, tuple[int, list[str]]] = {}
    for doc in docs:
        focal, points = doc.get("focal_point_type"), rank.get(doc.get("environment"), 0)
        if isinstance(focal, str) and points > best.get(focal, (0, []))[0]:
            best[focal] = (points, list(doc.get("constraints") or ()))
    return {focal: names for focal, (_, names) in best.items()}


class _LinkIndex:
    def __init__(self, links: list[Doc]) -> None:
        self.by_source: dict[tuple[str, str], list[Doc]] = {}
        self.by_target: dict[tuple[str, str], list[Doc]] = {}
        for link in links:
            lt = link["link_type"]
            self.by_source.setdefault((lt, link["source_id"]), []).append(link)
            self.by_target.setdefault((lt, link["target_id"]), []).append(link)

    def around(self, link_type: str, node: str) -> list[tuple[Doc, str]]:
        """Links of `X-Y` leaving `node` and of `Y-X` arriving at it, with their far end."""
        first, _, second = link_type.partition("-")
        out = [(link, link["target_id"]) for link in self.by_source.get((link_type, node), ())]
        out += [(link, link["source_id"])
                for link in self.by_target.get((f"{second}-{first}", node), ())]
        return out


def _passes(link: Doc, focal_values: dict[str, Any]) -> bool:
    attributes = link.get("attributes") or {}
    for name, focal_value in focal_values.items():
        if focal_value is None or name not in attributes:
            continue
        value = attributes[name]
        ok = value in focal_value if isinstance(focal_value, list) else value == focal_value
        if not ok:
            return False
    return True


def clique_of(focal: Doc, clique_type: Doc, constraints: list[str],
              index: _LinkIndex) -> Doc | None:
    focal_values = {name: focal.get(name) for name in constraints}
    nodes: dict[str, set[str]] = {focal["type"]: {focal["id"]}}
    chosen: dict[int, Doc] = {}
    for link_type in clique_type["link_types"]:
        from_type, _, to_type = link_type.partition("-")
        starts = sorted(nodes.get(from_type, ()))
        for node in starts:
            for link, far in index.around(link_type, node):
                if id(link) in chosen or not _passes(link, focal_values):
                    continue
                chosen[id(link)] = link
                nodes.setdefault(to_type, set()).add(far)
    if not chosen:
        return None
    return {
        "focal_point_type": focal["type"], "focal_point_id": focal["id"],
        "clique_type": clique_type.get("name"),
        "objects": sorted({i for ids in nodes.values() for i in ids}),
        "links": [[link["link_type"], link["source_id"], link["target_id"]]
                  for link in chosen.values()],
    }


def find_cliques(objects: list[Doc], links: list[Doc], env: CliqueEnv,
                 seed_dir: Path = SEED_DIR) -> list[Doc]:
    """One clique per focal point of a chosen clique type that has links."""
    types = chosen_types(load_seed_list("clique_types", seed_dir), env)
    constraints = chosen_constraints(load_seed_list("clique_constraints", seed_dir), env)
    index = _LinkIndex(links)
    out = []
    for obj in objects:
        clique_type = types.get(obj["type"])
        if clique_type is None:
            continue
        clique = clique_of(obj, clique_type, constraints.get(obj["type"], []), index)
        if clique is not None:
            out.append(clique)
    return out
