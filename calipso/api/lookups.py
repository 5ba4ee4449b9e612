"""Lookups every resource needs: the constant lists (briefly cached) and known environments."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pymongo.asynchronous.database import AsyncDatabase

from calipso.api.query import constant_fields
from calipso.errors import InvalidInput, NotFound

CONSTANTS_TTL = 5.0


class Constants:
    """The ``constants`` collection as name → allowed values, re-read every few seconds.

    One list is derived: ``inventory_types``, the ``object_types`` plus the types the
    scanner tree places (folders, ``host_ref``): what ``type=`` may name in the inventory.
    """

    def __init__(self, db: AsyncDatabase, ttl: float = CONSTANTS_TTL,
                 tree_types: Iterable[str] = ()) -> None:
        self._db = db
        self._ttl = ttl
        self._tree_types = frozenset(tree_types)
        self._values: dict[str, list[Any]] = {}
        self._read_at = float("-inf")

    async def all(self) -> dict[str, list[Any]]:
        if time.monotonic() - self._read_at > self._ttl:
            values: dict[str, list[Any]] = {}
            async for doc in self._db.constants.find({}, {"name": 1, "data": 1}):
                data = doc.get("data") or []
                values[str(doc.get("name"))] = [
                    d.get("value") for d in data if isinstance(d, dict)
                ]
            values["inventory_types"] = sorted(
                {str(v) for v in values.get("object_types", [])} | self._tree_types)
            self._values = values
            self._read_at = time.monotonic()
        return self._values

    async def values(self, name: str) -> list[Any]:
        return (await self.all()).get(name, [])

    async def check_value(self, name: str, value: object, field: str) -> None:
        allowed = await self.values(name)
        if str(value) not in {str(v) for v in allowed}:
            raise InvalidInput(f"{field}: {value!r} is not one of the {name}: "
                               f"{', '.join(str(v) for v in allowed)}", field=field)

    async def check(self, model: BaseModel, fields: dict[str, str] | None = None,
                    prefix: str = "") -> None:
        """Raise a 400 naming the first field whose value is not in its constant list.

        ``fields`` (from ``constant_fields``) is worked out once per model by the caller
        that checks the same model on every request."""
        if fields is None:
            fields = constant_fields(type(model))
        for field, name in fields.items():
            value = getattr(model, field)
            if value is None:
                continue
            for item in value if isinstance(value, list) else [value]:
                await self.check_value(name, item, prefix + field)


CONSTANTS = web.AppKey("constants", Constants)


async def environment_exists(db: AsyncDatabase, name: str) -> bool:
    return await db.environments_config.find_one({"name": name}, {"_id": 1}) is not None


async def require_environment(db: AsyncDatabase, name: str, field: str) -> None:
    if not await environment_exists(db, name):
        raise NotFound(f"unknown environment: {name}", field=field)
