"""Moments to look at or diff against: a time, a time ago, a named snapshot, a scan.

A moment is written as ``2h`` (ago: ``s``, ``m``, ``h``, ``d``, ``w``), an ISO 8601 time,
``snapshot:NAME`` (a snapshot taken with ``take_snapshot``) or ``scan:ID`` (when that scan
ended); ``now`` is now.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from calipso.errors import Conflict, InvalidInput, NotFound
from calipso.inventory import Doc

_AGO = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


async def resolve(db: AsyncDatabase, env: str, moment: str, field: str = "at") -> datetime:
    text = moment.strip()
    if text == "now":
        return datetime.now(UTC)
    ago = _AGO.match(text)
    if ago:
        try:
            return datetime.now(UTC) - timedelta(seconds=float(ago[1]) * _UNIT[ago[2]])
        except OverflowError:
            raise InvalidInput(f"{field}: {moment!r} is too long ago", field=field) from None
    if text.startswith("snapshot:"):
        snap = await db.snapshots.find_one({"environment": env, "name": text[9:]})
        if snap is None:
            raise NotFound(f"no snapshot {text[9:]!r} of environment {env}")
        return snap["at"]
    if text.startswith("scan:"):
        return await _scan_end(db, env, text[5:], field)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field}: {moment!r} is no time (2h, an ISO 8601 time, "
                           "snapshot:NAME or scan:ID)", field=field) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def _scan_end(db: AsyncDatabase, env: str, scan_id: str, field: str) -> datetime:
    try:
        oid = ObjectId(scan_id)
    except InvalidId:
        raise InvalidInput(f"{field}: {scan_id!r} is no scan id", field=field) from None
    scan = await db.scans.find_one({"_id": oid, "environment": env})
    if scan is None or scan.get("end_timestamp") is None:
        raise NotFound(f"no finished scan {scan_id} of environment {env}")
    return scan["end_timestamp"]


async def take_snapshot(db: AsyncDatabase, env: str, name: str, note: str = "") -> Doc:
    """Name this moment of the environment (``before maintenance``)."""
    doc = {"environment": env, "name": name, "note": note, "at": datetime.now(UTC)}
    try:
        await db.snapshots.insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"environment {env} has a snapshot {name!r} already") from None
    doc.pop("_id", None)
    return doc


async def list_snapshots(db: AsyncDatabase, env: str) -> list[Doc]:
    cursor = db.snapshots.find({"environment": env}, {"_id": 0}).sort("at", 1)
    return [doc async for doc in cursor]


async def delete_snapshot(db: AsyncDatabase, env: str, name: str) -> None:
    result = await db.snapshots.delete_one({"environment": env, "name": name})
    if result.deleted_count == 0:
        raise NotFound(f"no snapshot {name!r} of environment {env}")
