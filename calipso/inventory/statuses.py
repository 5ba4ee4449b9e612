"""Monitoring status on one object or one link.

A status is ``status`` (``OK``, ``Warning``, ``Error``, ``Unknown``), ``status_value``
(0, 1, 2, 3), ``status_text`` and ``status_timestamp``. ``set_*_status`` answers the
status held before, so the caller can tell a change (worth a message) from a repeat (which
only refreshes the timestamp).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from calipso.inventory.encoding import Doc
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


# What a status revision names: the document's key and labels, and the old status
_BEFORE = dict.fromkeys(("id", "type", "name", "object_name", "link_type", "link_name",
                         "source_id", "target_id", *STATUS_FIELDS), 1)
