"""Check results applied to one environment's objects and links, a batch at a time.

``ResultApplier.apply(results)``: the check names are resolved (an id holding ``_`` is
split where the database knows the object or link), the statuses written in one batch
through ``calipso.inventory.statuses.set_statuses``, and a ``messages`` record is inserted
for each change of status, for each result naming no known object or link, and for each
bad check name. Derived statuses follow: an OTEP's from its tunnel ports' (Error when no
port is OK, Warning when one is not OK, else OK), and a ``vedge-host_pnic`` link's from
both its ends (OK when both are OK, else Warning).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from calipso.inventory.encoding import DOT, chunks
from calipso.inventory.statuses import Status, StatusChange, StatusUpdate, set_statuses
from calipso.monitoring.check_names import (
    BadCheckName,
    LinkTarget,
    ObjectTarget,
    Target,
    parse_check_name,
)
from calipso.monitoring.results import CheckResult

TYPES_TTL = 60.0  # seconds the constants' object and link types are kept
LEVELS = {Status.OK: "info", Status.Warning: "warn", Status.Error: "error",
          Status.Unknown: "warn"}
PNIC_LINK = "vedge-host_pnic"


@dataclass(slots=True)
class ApplyReport:
    applied: int = 0  # results written to an object or link
    changed: int = 0  # of which changed a status
    unknown: int = 0  # named no stored object or link (kept as a message)
    bad: int = 0  # bad check names (kept as a message)
    outcomes: list[str] = field(default_factory=list)  # per result: changed|same|unknown|bad

    def to_doc(self) -> dict[str, int]:
        return {"applied": self.applied, "changed": self.changed, "unknown": self.unknown,
                "bad": self.bad}


async def find_in(collection: AsyncCollection, filt: dict[str, Any], field: str,
                  values: Iterable[Any], projection: dict[str, Any]) -> list[dict[str, Any]]:
    """Documents whose ``field`` is one of ``values``: one query per chunk of ids, all at
    once (SecantusDB answers a short ``$in`` much faster than a long one). ``filt`` should
    hold only the index's other keys: SecantusDB scans the whole collection when a query
    adds a key the index lacks, so callers check further fields themselves."""
    found: list[dict[str, Any]] = []

    async def one(part: list[Any]) -> None:
        found.extend([d async for d in collection.find(filt | {field: {"$in": part}},
                                                       projection)])

    await asyncio.gather(*(one(part) for part in chunks(sorted(set(values)))))
    return found


class ResultApplier:
    def __init__(self, db: AsyncDatabase, env: str) -> None:
        self.db = db
        self.env = env
        self._types: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        self._types_at = 0.0

    async def _known_types(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if self._types is None or time.monotonic() - self._types_at > TYPES_TTL:
            lists: dict[str, tuple[str, ...]] = {}
            async for doc in self.db.constants.find(
                    {"name": {"$in": ["object_types", "link_types"]}}):
                lists[doc["name"]] = tuple(str(d.get("value")) for d in doc.get("data", []))
            self._types = (lists.get("object_types", ()), lists.get("link_types", ()))
            self._types_at = time.monotonic()
        return self._types

    async def apply(self, results: list[CheckResult]) -> ApplyReport:
        object_types, link_types = await self._known_types()
        report = ApplyReport()
        messages: list[dict[str, Any]] = []
        parsed: list[list[Target] | None] = []
        for result in results:
            try:
                parsed.append(parse_check_name(result.name, object_types, link_types))
            except BadCheckName as err:
                parsed.append(None)
                messages.append(self._message(result, "warn", str(err), None, None))
        targets = await self._resolve([c for c in parsed if c])
        updates: list[StatusUpdate] = []
        slots: list[tuple[int, Target]] = []
        tunnels: dict[str, list[tuple[str, CheckResult]]] = {}
        for i, (result, candidates) in enumerate(zip(results, parsed, strict=True)):
            if candidates is None:
                continue
            target = targets.get(id(candidates), candidates[0])
            status = Status.of_value(result.status)
            if isinstance(target, ObjectTarget) and target.port is not None:
                tunnels.setdefault(target.object_id, []).append((target.port, result))
                continue
            updates.append(_update(target, status, result))
            slots.append((i, target))
        derived = await self._otep_updates(tunnels)
        position = {id(r): i for i, r in enumerate(results)}
        for otep_id, (update, result) in derived.items():
            updates.append(update)
            slots.append((position[id(result)], ObjectTarget("otep", otep_id)))
        missing_oteps = set(tunnels) - set(derived)
        changes = await set_statuses(self.db, self.env, updates)
        outcome = ["same"] * len(results)
        for i, c in enumerate(parsed):
            if c is None:
                outcome[i] = "bad"
                report.bad += 1
        pnic_ends: set[str] = set()
        for (i, target), update, change in zip(slots, updates, changes, strict=True):
            result = results[i]
            if not change.found:
                continue
            report.applied += 1
            if change.changed:
                outcome[i] = "changed"
                messages.append(self._change_message(result, target, change, update.status))
                if isinstance(target, ObjectTarget) and target.object_type in (
                        "vedge", "host_pnic"):
                    pnic_ends.add(target.object_id)
        found = {i: c.found for (i, _), c in zip(slots, changes, strict=True)}
        for i, (result, candidates) in enumerate(zip(results, parsed, strict=True)):
            if candidates is None:
                continue
            target = targets.get(id(candidates), candidates[0])
            known = found.get(i, False)
            if isinstance(target, ObjectTarget) and target.port is not None:
                known = target.object_id not in missing_oteps
            if not known:
                outcome[i] = "unknown"
                report.unknown += 1
                messages.append(self._message(
                    result, "warn", f"check {result.name}: no such "
                    f"{'link' if isinstance(target, LinkTarget) else target.object_type} "
                    f"in environment {self.env}", _related(target)[0], _related(target)[1]))
        report.applied += sum(len(v) for k, v in tunnels.items() if k not in missing_oteps)
        report.changed = outcome.count("changed")
        messages += await self._pnic_links(pnic_ends)
        if messages:
            await self.db.messages.insert_many(messages, ordered=False)
        report.outcomes = outcome
        return report

    async def _resolve(self, ambiguous: list[list[Target]]) -> dict[int, Target]:
        """For names that split more than one way, the split the database knows."""
        several = [c for c in ambiguous if len(c) > 1]
        if not several:
            return {}
        ids = {t.object_id for c in several for t in c if isinstance(t, ObjectTarget)}
        sources = {t.source_id for c in several for t in c if isinstance(t, LinkTarget)}
        known: set[Any] = {d["id"] for d in await find_in(
            self.db.inventory, {"environment": self.env}, "id", ids, {"id": 1})}
        known |= {(d["link_type"], d["source_id"], d["target_id"]) for d in await find_in(
            self.db.links, {"environment": self.env}, "source_id", sources,
            {"link_type": 1, "source_id": 1, "target_id": 1})}
        out: dict[int, Target] = {}
        for candidates in several:
            for t in candidates:
                key = (t.link_type, t.source_id, t.target_id) if isinstance(
                    t, LinkTarget) else t.object_id
                if key in known:
                    out[id(candidates)] = t
                    break
        return out

    async def _otep_updates(self, tunnels: dict[str, list[tuple[str, CheckResult]]]
                            ) -> dict[str, tuple[StatusUpdate, CheckResult]]:
        """Each tunnel port's result goes in the OTEP's ``tunnel_statuses`` (written with
        the OTEP's status, in the same batch); the OTEP's own status is derived from all
        its ports'."""
        if not tunnels:
            return {}
        out: dict[str, tuple[StatusUpdate, CheckResult]] = {}
        for doc in await find_in(self.db.inventory, {"environment": self.env}, "id", tunnels,
                                 {"id": 1, "type": 1, "tunnel_statuses": 1}):
            if doc.get("type") != "otep":
                continue
            ports = dict(doc.get("tunnel_statuses") or {})
            also = {}
            for port, result in tunnels[doc["id"]]:
                key = port.replace(".", DOT)
                ports[key] = also[f"tunnel_statuses.{key}"] = _fields(result)
            status = otep_status([Status(p.get("status_value", 3)) for p in ports.values()])
            last = max(tunnels[doc["id"]], key=lambda p: p[1].executed)[1]
            bad = sorted(k.replace(DOT, ".") for k, p in ports.items()
                         if p.get("status_value") != 0)
            text = (f"{len(ports) - len(bad)} of {len(ports)} tunnels OK" +
                    (f"; not OK: {', '.join(bad)}" if bad else ""))
            out[doc["id"]] = (StatusUpdate(status, text, last.executed, object_id=doc["id"],
                                           also=also), last)
        return out

    async def _pnic_links(self, ends: set[str]) -> list[dict[str, Any]]:
        """The ``vedge-host_pnic`` links of changed vEdges and pNICs, from both ends."""
        if not ends:
            return []
        where, fields = {"environment": self.env}, {"link_type": 1, "source_id": 1,
                                                    "target_id": 1}
        found = [*await find_in(self.db.links, where, "source_id", ends, fields),
                 *await find_in(self.db.links, where, "target_id", ends, fields)]
        links = list({(d["source_id"], d["target_id"]): d for d in found
                      if d.get("link_type") == PNIC_LINK}.values())
        if not links:
            return []
        ids = {link[end] for link in links for end in ("source_id", "target_id")}
        held = {doc["id"]: doc for doc in await find_in(
            self.db.inventory, {"environment": self.env}, "id", ids,
            {"id": 1, "status": 1, "status_timestamp": 1})}
        updates, keys = [], []
        for link in links:
            a, b = held.get(link["source_id"], {}), held.get(link["target_id"], {})
            if not a.get("status") or not b.get("status"):
                continue
            both_ok = a["status"] == b["status"] == Status.OK.name
            status = Status.OK if both_ok else Status.Warning
            text = f"vEdge {a['status']}, pNIC {b['status']}"
            at = max(_aware(a["status_timestamp"]), _aware(b["status_timestamp"]))
            key = (PNIC_LINK, link["source_id"], link["target_id"])
            updates.append(StatusUpdate(status, text, at, link=key))
            keys.append(key)
        changes = await set_statuses(self.db, self.env, updates)
        return [self._message(
            CheckResult(f"link_{key[0]}", u.status.value, u.text, u.at, "Calipso"),
            LEVELS[u.status], f"link {key[0]} {key[1]} -> {key[2]}: "
            f"{c.before or 'none'} -> {c.after} ({u.text})",
            f"link_{key[1]}_{key[2]}", f"link_{key[0]}")
            for key, u, c in zip(keys, updates, changes, strict=True) if c.changed]

    def _change_message(self, result: CheckResult, target: Target, change: StatusChange,
                        status: Status) -> dict[str, Any]:
        related, related_type = _related(target)
        text = (f"{result.name}: {change.before or 'none'} -> {change.after}"
                + (f": {result.output.strip()}" if result.output.strip() else ""))
        return self._message(result, LEVELS[status], text, related, related_type)

    def _message(self, result: CheckResult, level: str, text: str, related: str | None,
                 related_type: str | None) -> dict[str, Any]:
        return {"id": result.event_id or uuid.uuid4().hex, "environment": self.env,
                "source_system": result.source, "level": level, "message": text,
                "check": result.name, "check_status": result.status,
                "related_object": related, "related_object_type": related_type,
                "display_context": related, "timestamp": result.executed,
                "received_timestamp": datetime.now(UTC), "viewed": False}


def otep_status(ports: Iterable[Status]) -> Status:
    known = [s for s in ports if s is not Status.Unknown]
    if not known:
        return Status.Unknown
    if Status.OK not in known:
        return Status.Error
    return Status.Warning if any(s is not Status.OK for s in known) else Status.OK


def _fields(result: CheckResult) -> dict[str, Any]:
    status = Status.of_value(result.status)
    return {"status": status.name, "status_value": status.value,
            "status_text": result.output, "status_timestamp": result.executed}


def _update(target: Target, status: Status, result: CheckResult) -> StatusUpdate:
    if isinstance(target, LinkTarget):
        return StatusUpdate(status, result.output, result.executed,
                            link=(target.link_type, target.source_id, target.target_id),
                            check=result.name)
    return StatusUpdate(status, result.output, result.executed, object_id=target.object_id,
                        check=result.name)


def _related(target: Target) -> tuple[str, str]:
    if isinstance(target, LinkTarget):
        return f"link_{target.source_id}_{target.target_id}", f"link_{target.link_type}"
    return target.object_id, target.object_type


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
