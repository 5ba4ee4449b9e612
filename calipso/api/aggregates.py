"""``GET /aggregates``: counts — objects per type in an environment, messages per level and
environment, values per constant list."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import Field

from calipso.api.listing import check_environment
from calipso.api.operations import Answer, Call, Operation, add_operations
from calipso.api.query import EnvName, QueryModel
from calipso.api.schemas import ERRORS, Open


class AggregatesQuery(QueryModel):
    type: Literal["environment", "message", "constant"]
    env_name: EnvName | None = Field(
        None, description="with type environment: this one (default: all environments)")


async def _count_by(call: Call, coll: str, key: str, match: dict[str, Any]) -> dict[str, int]:
    pipeline = [{"$match": match}, {"$group": {"_id": f"${key}", "n": {"$sum": 1}}}]
    cursor = await call.db[coll].aggregate(pipeline)
    return {str(d["_id"]): d["n"] async for d in cursor}


async def get_aggregates(call: Call) -> object:
    q: AggregatesQuery = call.query
    if q.type == "environment":
        scope = {} if q.env_name is None else {"environment": q.env_name}
        counts = await _count_by(call, "inventory", "type", scope)
        if not counts:
            await check_environment(call, q.env_name)
        return {"type": "environment", "env_name": q.env_name,
                "aggregates": {"object_types": counts}}
    if q.type == "message":
        levels = await _count_by(call, "messages", "level", {})
        envs = await _count_by(call, "messages", "environment", {})
        return {"type": "message", "aggregates": {"levels": levels, "environments": envs}}
    names = {str(d.get("name")): len(d.get("data") or [])
             async for d in call.db.constants.find({}, {"name": 1, "data": 1})}
    return {"type": "constant", "aggregates": {"names": names}}


class Aggregates(Open):
    type: str
    aggregates: dict[str, dict[str, int]]
    env_name: str | None = None


OPERATIONS = (
    Operation("GET", "/aggregates", get_aggregates, "Counts", "metadata",
              query=AggregatesQuery, answers={200: Answer("counts", Aggregates), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
