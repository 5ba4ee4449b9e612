"""Monitoring status on one object or one link.

A status is ``status`` (``OK``, ``Warning``, ``Error``, ``Unknown``), ``status_value``
(0, 1, 2, 3), ``status_text`` and ``status_timestamp``. ``set_*_status`` answers the
status held before, so the caller can tell a change (worth a message) from a repeat (which
only refreshes the timestamp); ``set_statuses`` does the same for a batch of results.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from calipso.inventory.encoding import Doc, chunks
from calipso.inventory.revisions import KINDS, STATUS_FIELDS, record, status_revision
from calipso.metrics import STATUS_CHANGES, STATUS_RESULTS


class Status(Enum):
    OK = 0
    Warning = 1
    Error = 2
    Unknown = 3

    @classmethod
    def of_value(cls, value: int) -> Status:
        """A check's exit status: 0, 1, 2; anything else is Unknown."""
        return cls(value) if value in (0, 1, 2) else cls.Unknown


@dataclass(frozen=True, slots=True)
class StatusChange:
    found: bool  # the object or link exists
    before: str | None  # its status before (None: never had one)
    after: str

    @property
    def changed(self) -> bool:
        return self.found and self.before != self.after


async def set_object_status(db: AsyncDatabase, env: str, object_id: str, status: Status,
                            text: str, at: datetime) -> StatusChange:
    return await _set(db.inventory, {"environment": env, "id": object_id}, status, text, at)


async def set_link_status(db: AsyncDatabase, env: str, link_type: str, source_id: str,
                          target_id: str, status: Status, text: str,
                          at: datetime) -> StatusChange:
    return await _set(db.links, {"environment": env, "link_type": link_type,
                                 "source_id": source_id, "target_id": target_id},
                      status, text, at)


async def _set(collection: AsyncCollection, key: Doc, status: Status, text: str,
               at: datetime) -> StatusChange:
    fields: dict[str, Any] = {"status": status.name, "status_value": status.value,
                              "status_text": text, "status_timestamp": at}
    before = await collection.find_one_and_update(
        key, {"$set": fields}, projection=_BEFORE, return_document=ReturnDocument.BEFORE)
    if before is None:
        return StatusChange(False, None, status.name)
    change = StatusChange(True, before.get("status"), status.name)
    kind = KINDS[collection.name]
    STATUS_RESULTS.labels(key["environment"], kind, status.name).inc()
    if change.changed:
        STATUS_CHANGES.labels(key["environment"], kind, status.name).inc()
        await record(collection.database, [
            status_revision(key["environment"], collection.name, before, fields)])
    return change


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """One result for ``set_statuses``: an object (``object_id``) or a link (``link``)."""

    status: Status
    text: str
    at: datetime
    object_id: str | None = None
    link: tuple[str, str, str] | None = None  # (link_type, source_id, target_id)
    also: dict[str, Any] | None = None  # fields written with it (an OTEP's tunnel statuses)
    check: str | None = None  # the check that said it, named in the status revision


async def set_statuses(db: AsyncDatabase, env: str,
                       updates: list[StatusUpdate]) -> list[StatusChange]:
    """Many results at once: the statuses held are read in one query per collection and
    the writes go as one unordered ``bulk_write`` each. A result whose status did not
    change only refreshes ``status_timestamp``. Answers one ``StatusChange`` per update,
    in order. Updates of the same key in one batch are written as one (the later fields
    win)."""
    objects = {u.object_id for u in updates if u.object_id is not None}
    links = {u.link for u in updates if u.link is not None}
    held: dict[Any, Doc] = {}  # key -> the stored document's key, labels and status

    async def read_objects(ids: list[str]) -> None:
        async for doc in db.inventory.find({"environment": env, "id": {"$in": ids}},
                                           _BEFORE):
            held[doc["id"]] = doc

    async def read_links(sources: list[str]) -> None:
        async for doc in db.links.find(
                {"environment": env, "source_id": {"$in": sources}}, _BEFORE):
            key = (doc.get("link_type"), doc.get("source_id"), doc.get("target_id"))
            if key in links:
                held[key] = doc

    await asyncio.gather(*(read_objects(part) for part in chunks(sorted(objects))),
                         *(read_links(part) for part in
                           chunks(sorted({link[1] for link in links}))))
    changes: list[StatusChange] = []
    revisions: list[Doc] = []
    writes: dict[Any, dict[str, Any]] = {}  # key -> fields, one write per key
    for u in updates:
        key: Any = u.object_id if u.object_id is not None else u.link
        if key not in held:
            changes.append(StatusChange(False, None, u.status.name))
            continue
        stored = held[key]
        before = stored.get("status")
        collection = "inventory" if isinstance(key, str) else "links"
        STATUS_RESULTS.labels(env, KINDS[collection], u.status.name).inc()
        fields = writes.setdefault(key, {})
        fields.update(u.also or {}, status_timestamp=u.at)
        if before != u.status.name:
            status = {"status": u.status.name, "status_value": u.status.value,
                      "status_text": u.text}
            fields.update(status)
            STATUS_CHANGES.labels(env, KINDS[collection], u.status.name).inc()
            revision = status_revision(env, collection, stored, status)
            if u.check:
                revision["by"] = {**revision["by"], "check": u.check}
            revisions.append(revision)
            held[key] = {**stored, **status}
        changes.append(StatusChange(True, before, u.status.name))
    ops: dict[str, list[UpdateOne]] = {"inventory": [], "links": []}
    for key, fields in writes.items():
        if isinstance(key, str):
            ops["inventory"].append(UpdateOne({"environment": env, "id": key},
                                              {"$set": fields}))
        else:
            link_type, source, target = key
            ops["links"].append(UpdateOne(
                {"environment": env, "link_type": link_type, "source_id": source,
                 "target_id": target}, {"$set": fields}))
    for name, batch in ops.items():
        if batch:
            await db[name].bulk_write(batch, ordered=False)
    await record(db, revisions)
    return changes


# What a status revision names: the document's key and labels, and the old status
_BEFORE = dict.fromkeys(("id", "type", "name", "object_name", "link_type", "link_name",
                         "source_id", "target_id", *STATUS_FIELDS), 1)
