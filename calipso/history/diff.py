"""What changed between two moments: added, removed and changed objects, links and
cliques, grouped by type, with the changed fields' old and new values.

The revisions between the two moments name what was touched; each touched document is
then compared as it was at the first moment with what it was at the second (so a change
made and undone in between is no change, and an object removed and made again shows the
fields that differ).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from calipso.errors import NotFound
from calipso.history.states import check_reachable, keys_of, state_at
from calipso.inventory import Doc
from calipso.inventory.revisions import COLLECTION, field_changes

PLURAL = {"object": "objects", "link": "links", "clique": "cliques"}


async def diff(db: AsyncDatabase, env: str, since: datetime, until: datetime,
               *, clique: str | None = None, object_id: str | None = None) -> Doc:
    """The changes of the environment (or of one clique, by its focal object's id, or of
    one object with its links) from ``since`` to ``until``."""
    await check_reachable(db, env, min(since, until))
    # ``until`` before ``since`` is the same diff the other way round
    query: Doc = {"environment": env, "at": {"$gt": min(since, until),
                                             "$lte": max(since, until)},
                  "kind": {"$in": list(PLURAL)}}
    touched: dict[str, set[str]] = {kind: set() for kind in PLURAL}
    async for rev in db[COLLECTION].find(query, {"kind": 1, "key": 1, "keys": 1,
                                                 "change": 1}):
        touched[rev["kind"]].update(keys_of(rev))
    if object_id is not None:
        touched["object"] &= {object_id}
        touched["clique"] &= {object_id}
        touched["link"] = {k for k in touched["link"] if object_id in k.split("|")[1:]}
    if clique is not None:
        touched = await _within_clique(db, env, clique, since, until, touched)
    out: Doc = {"environment": env, "since": since, "until": until}
    counts: dict[str, int] = {"added": 0, "removed": 0, "changed": 0}
    for kind, keys in touched.items():
        before = await state_at(db, env, kind, since, sorted(keys)) if keys else {}
        after = await state_at(db, env, kind, until, sorted(keys)) if keys else {}
        groups: dict[str, dict[str, list[Doc]]] = {}
        for key in sorted(keys):
            change = _compare(kind, key, before.get(key), after.get(key))
            if change is None:
                continue
            what, entry = change
            counts[what] += 1
            group = groups.setdefault(entry["type"], {"added": [], "removed": [],
                                                      "changed": []})
            group[what].append(entry)
        out[PLURAL[kind]] = groups
    out["counts"] = counts
    return out


def _compare(kind: str, key: str, old: Doc | None, new: Doc | None
             ) -> tuple[str, Doc] | None:
    if old is None and new is None:
        return None
    doc: Doc = new if new is not None else old  # type: ignore[assignment]
    entry = _label(kind, key, doc)
    if old is None:
        return "added", entry
    if new is None:
        return "removed", entry
    changes = field_changes(old, new)
    if not changes:
        return None
    return "changed", entry | {"fields": changes}


def _label(kind: str, key: str, doc: Doc) -> Doc:
    if kind == "link":
        return {"key": key, "type": doc.get("link_type", ""),
                "source_id": doc.get("source_id"), "target_id": doc.get("target_id"),
                "name": doc.get("link_name", "")}
    if kind == "clique":
        return {"key": key, "type": doc.get("focal_point_type", ""), "name": key}
    return {"key": key, "type": doc.get("type", ""),
            "name": doc.get("name") or doc.get("object_name") or ""}


async def _within_clique(db: AsyncDatabase, env: str, focal: str, since: datetime,
                         until: datetime, touched: dict[str, set[str]]
                         ) -> dict[str, set[str]]:
    cliques = [await state_at(db, env, "clique", at, [focal]) for at in (since, until)]
    found = [c[focal] for c in cliques if focal in c]
    if not found:
        raise NotFound(f"no clique of {focal} in environment {env} at either moment")
    nodes: set[str] = set().union(*(set(c.get("nodes", [])) for c in found))
    links = {key for key in touched["link"] if set(key.split("|")[1:]) <= nodes}
    return {"object": touched["object"] & nodes, "link": links,
            "clique": touched["clique"] & {focal}}


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The diff as text, one line per change (``calipso diff``)."""
    lines = [f"{result['environment']}: {result['since'].isoformat()} .. "
             f"{result['until'].isoformat()}"]
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for plural in PLURAL.values():
        for kind_type, group in sorted(result.get(plural, {}).items()):
            for what, mark in marks.items():
                for entry in group[what]:
                    lines.append(f"{mark} {plural[:-1]} {kind_type} {entry['key']}"
                                 + (f" ({entry['name']})" if entry["name"] else ""))
                    for name, values in sorted(entry.get("fields", {}).items()):
                        lines.append(f"    {name}: {_short(values.get('old'))} -> "
                                     f"{_short(values.get('new'))}")
    counts = result["counts"]
    lines.append(f"{counts['added']} added, {counts['removed']} removed, "
                 f"{counts['changed']} changed")
    return lines


def _short(value: Any, width: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."
