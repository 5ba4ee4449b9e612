"""Which clique type and which constraints apply to an environment.

Clique types are ``{environment | configuration, focal_point_type, link_types, name}``
documents. Per focal point type the best scoring one wins (ties: the first stored):

* with ``environment``: this environment's name 64, ``ANY`` 1, another environment 0;
* without: 0 if a given ``environment_type``, ``distribution``, ``distribution_version``,
  ``mechanism_drivers`` or ``type_drivers`` does not match; otherwise 32 for a matching
  distribution, 16 for a matching version, 8 for a matching mechanism driver and 4 for a
  matching type driver, and at least 2 (a configuration-less type is a fallback).

Constraints are ``{environment?, focal_point_type, constraints: [attribute, ...]}``; the
document for this environment beats one for ``ANY``, which beats one with no environment.
"""

from __future__ import annotations

from typing import Any

from calipso.env_config import EnvironmentConfig

Doc = dict[str, Any]


def _values(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def score(clique_type: Doc, env: EnvironmentConfig) -> int:
    """How well ``clique_type`` fits ``env``; 0 means it does not apply."""
    if clique_type.get("environment") is not None:
        if clique_type["environment"] == env.name:
            return 64
        return 1 if clique_type["environment"] == "ANY" else 0
    env_type = clique_type.get("environment_type")
    if env_type is not None and env_type != env.environment_type:
        return 0
    points = 0
    checks = (
        ("distribution", [env.distribution], 32),
        ("distribution_version", [env.distribution_version], 16),
        ("mechanism_drivers", [m.upper() for m in env.mechanism_drivers], 8),
        ("type_drivers", [env.type_drivers], 4),
    )
    for field, env_values, weight in checks:
        wanted = clique_type.get(field)
        if wanted is None:
            continue
        values = _values(wanted)
        if field == "mechanism_drivers":
            values = [v.upper() for v in values]
        if not any(v in env_values for v in values):
            return 0
        points += weight
    return max(points, 2)


def choose_clique_types(clique_types: list[Doc], env: EnvironmentConfig) -> dict[str, Doc]:
    """focal_point_type → the clique type that applies to ``env`` (in stored order)."""
    best: dict[str, tuple[int, Doc]] = {}
    for clique_type in clique_types:
        focal = clique_type.get("focal_point_type")
        link_types = clique_type.get("link_types")
        if not isinstance(focal, str) or not isinstance(link_types, list):
            continue
        points = score(clique_type, env)
        if points and points > best.get(focal, (0, {}))[0]:
            best[focal] = (points, clique_type)
    return {focal: doc for focal, (_, doc) in best.items()}


def describe_choice(env: EnvironmentConfig, chosen: dict[str, Doc], *,
                    known_distribution: bool = True) -> str:
    """One line saying which clique types apply to ``env`` and why: for a scan's messages
    and the environment's validation, when its distribution does not choose them."""
    drivers = f"mechanism driver {'/'.join(env.mechanism_drivers)} and type driver " \
              f"{env.type_drivers}"
    if env.distribution is None:
        why = "no distribution given"
    elif not known_distribution:
        why = f"distribution {env.distribution!r} is unknown"
    else:
        why = (f"distribution {env.distribution} {env.distribution_version or ''}".rstrip()
               + " is not supported with these drivers")
    names = ", ".join(f"{focal}: {doc.get('name', '?')}" for focal, doc in sorted(
        chosen.items())) or "none"
    return f"{why}: clique types chosen by {drivers} ({names})"


def choose_constraints(docs: list[Doc], env: EnvironmentConfig) -> dict[str, list[str]]:
    """focal_point_type → the constraint attributes that apply to ``env``."""
    rank = {env.name: 3, "ANY": 2, None: 1}
    best: dict[str, tuple[int, list[str]]] = {}
    for doc in docs:
        points = rank.get(doc.get("environment"), 0)
        focal = doc.get("focal_point_type")
        if not points or not isinstance(focal, str):
            continue
        names = [c for c in doc.get("constraints") or () if isinstance(c, str)]
        if points > best.get(focal, (0, []))[0]:
            best[focal] = (points, names)
    return {focal: names for focal, (_, names) in best.items()}
