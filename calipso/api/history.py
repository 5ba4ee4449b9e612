"""History, diff, snapshots, impact and exports over HTTP (``calipso.history``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError, WithJsonSchema

from calipso.api.documents import public_doc
from calipso.api.listing import check_environment
from calipso.api.operations import Answer, Call, Operation, Reply, Role, add_operations
from calipso.api.query import BodyModel, EnvName, QueryModel, Text, Timestamp
from calipso.api.schemas import ERRORS, Document, Message
from calipso.errors import NotFound
from calipso.history import diff, export, impact, moments, states
from calipso.inventory import Doc
from calipso.inventory.revisions import link_key

NAMED_MOMENT = r"^(now|[0-9]{1,5}[smhdw]|snapshot:.{1,200}|scan:[0-9a-fA-F]{24})$"
_NAMED = re.compile(NAMED_MOMENT)
_TIME = TypeAdapter(Timestamp)


def _moment_value(value: object) -> datetime | str:
    """A moment named in words stays text (resolved against the database); anything else
    must be an ISO 8601 time."""
    if isinstance(value, str) and _NAMED.match(value):
        return value
    try:
        return _TIME.validate_python(value)
    except ValidationError:
        raise ValueError("not a time: 2h (ago; s, m, h, d, w), an ISO 8601 time, "
                         "snapshot:NAME, scan:ID or now") from None


Moment = Annotated[datetime | str, BeforeValidator(_moment_value), WithJsonSchema({
    "anyOf": [{"type": "string", "format": "date-time"},
              {"type": "string", "pattern": NAMED_MOMENT}],
    "description": "an ISO 8601 time, 2h (ago; s, m, h, d, w), snapshot:NAME, scan:ID "
                   "or now"})]
Depth = Annotated[int, Field(ge=1, le=impact.MAX_DEPTH)]


async def _moment(call: Call, env: str, value: datetime | str, field: str) -> datetime:
    await check_environment(call, env)
    if isinstance(value, datetime):
        return value
    return await moments.resolve(call.db, env, value, field)


class ObjectAsOfQuery(QueryModel):
    env_name: EnvName
    at: Moment
    id: Text = Field(description="the object's id")


class CliqueAsOfQuery(QueryModel):
    env_name: EnvName
    at: Moment
    focal_point: Text = Field(description="the clique's focal object id")


class LinkAsOfQuery(QueryModel):
    env_name: EnvName
    at: Moment
    link_type: Text
    source_id: Text
    target_id: Text


def _found(doc: Doc | None, env: str, at: datetime) -> object:
    if doc is None:
        raise NotFound(f"nothing of that key in environment {env} at {at.isoformat()}")
    return public_doc(doc)


async def get_object_as_of(call: Call) -> object:
    q: ObjectAsOfQuery = call.query
    at = await _moment(call, q.env_name, q.at, "at")
    return _found(await states.object_at(call.db, q.env_name, q.id, at), q.env_name, at)


async def get_clique_as_of(call: Call) -> object:
    """The clique with its links as they were."""
    q: CliqueAsOfQuery = call.query
    at = await _moment(call, q.env_name, q.at, "at")
    return _found(await states.clique_at(call.db, q.env_name, q.focal_point, at),
                  q.env_name, at)


async def get_link_as_of(call: Call) -> object:
    q: LinkAsOfQuery = call.query
    at = await _moment(call, q.env_name, q.at, "at")
    key = link_key(q.link_type, q.source_id, q.target_id)
    links = await states.state_at(call.db, q.env_name, "link", at, [key])
    return _found(links.get(key), q.env_name, at)


class TimelineQuery(QueryModel):
    env_name: EnvName
    key: Text = Field(description="an object's id, a clique's focal object id, or a link "
                                  "as link_type|source_id|target_id")
    kind: Literal["object", "link", "clique"] = "object"
    since: Moment | None = None
    until: Moment | None = None
    limit: int = Field(1000, ge=1, le=10000)


async def get_timeline(call: Call) -> object:
    q: TimelineQuery = call.query
    since = await _moment(call, q.env_name, q.since, "since") if q.since else None
    until = await _moment(call, q.env_name, q.until, "until") if q.until else None
    revisions = await states.timeline(call.db, q.env_name, q.kind, q.key, since, until,
                                      q.limit)
    return {"environment": q.env_name, "kind": q.kind, "key": q.key, "revisions": revisions}


class DiffQuery(QueryModel):
    env_name: EnvName
    since: Moment
    until: Moment = "now"
    clique: Text | None = Field(None, description="only this clique (its focal object id)")
    object: Text | None = Field(None, description="only this object and its links")


async def get_diff(call: Call) -> object:
    q: DiffQuery = call.query
    since = await _moment(call, q.env_name, q.since, "since")
    until = await _moment(call, q.env_name, q.until, "until")
    return await diff.diff(call.db, q.env_name, since, until, clique=q.clique,
                           object_id=q.object)


class SnapshotsQuery(QueryModel):
    env_name: EnvName


class SnapshotQuery(QueryModel):
    env_name: EnvName
    name: Text


class SnapshotBody(BodyModel):
    env_name: EnvName
    name: Annotated[str, Field(min_length=1, max_length=200)]
    note: Annotated[str, Field(max_length=2000)] = ""


async def get_snapshots(call: Call) -> object:
    q: SnapshotsQuery = call.query
    await check_environment(call, q.env_name)
    return {"snapshots": await moments.list_snapshots(call.db, q.env_name)}


async def create_snapshot(call: Call) -> Reply:
    body: SnapshotBody = call.body
    await check_environment(call, body.env_name, "env_name")
    await moments.take_snapshot(call.db, body.env_name, body.name, body.note)
    return Reply({"message": f"snapshot {body.name!r} of {body.env_name} taken"}, 201)


async def delete_snapshot(call: Call) -> object:
    q: SnapshotQuery = call.query
    await check_environment(call, q.env_name)
    await moments.delete_snapshot(call.db, q.env_name, q.name)
    return {"message": f"snapshot {q.name!r} of {q.env_name} deleted"}


class ImpactQuery(QueryModel):
    env_name: EnvName
    id: Text = Field(description="the object's id (host, pNIC, vEdge, OTEP, bridge, "
                                 "network, router, instance...)")
    direction: Literal["dependants", "dependencies"] = "dependants"
    depth: Depth = impact.DEFAULT_DEPTH


async def get_impact(call: Call) -> object:
    q: ImpactQuery = call.query
    await check_environment(call, q.env_name)
    walk = impact.dependants if q.direction == "dependants" else impact.dependencies
    return await walk(call.db, q.env_name, q.id, q.depth)


class ExportQuery(QueryModel):
    env_name: EnvName
    format: Literal["json", "graphml", "dot"] = "json"
    clique: Text | None = Field(None, description="a clique (its focal object id)")
    object: Text | None = Field(None, description="an object's neighbourhood")
    depth: Annotated[int, Field(ge=1, le=10)] = 1


async def get_export(call: Call) -> web.Response:
    q: ExportQuery = call.query
    await check_environment(call, q.env_name)
    if q.clique is not None:
        graph = await export.clique_graph(call.db, q.env_name, q.clique)
    elif q.object is not None:
        graph = await export.neighbourhood_graph(call.db, q.env_name, q.object, q.depth)
    else:
        graph = await export.environment_graph(call.db, q.env_name)
    return web.Response(text=export.render(graph, q.format),
                        content_type=export.FORMATS[q.format])


_DOC = {200: Answer("the answer", Document), **ERRORS}
OPERATIONS = (
    Operation("GET", "/history/object", get_object_as_of, "An object as it was",
              "history", query=ObjectAsOfQuery, answers=_DOC),
    Operation("GET", "/history/clique", get_clique_as_of, "A clique as it was", "history",
              query=CliqueAsOfQuery, answers=_DOC),
    Operation("GET", "/history/link", get_link_as_of, "A link as it was", "history",
              query=LinkAsOfQuery, answers=_DOC),
    Operation("GET", "/history/timeline", get_timeline, "The revisions of one object, "
              "link or clique", "history", query=TimelineQuery, answers=_DOC),
    Operation("GET", "/history/diff", get_diff, "What changed between two moments",
              "history", query=DiffQuery, answers=_DOC),
    Operation("GET", "/history/snapshots", get_snapshots, "Named moments of an environment",
              "history", query=SnapshotsQuery, answers=_DOC),
    Operation("POST", "/history/snapshots", create_snapshot, "Name this moment", "history",
              role=Role.ADMIN, body=SnapshotBody,
              answers={201: Answer("taken", Message), **ERRORS}),
    Operation("DELETE", "/history/snapshots", delete_snapshot, "Delete a named moment",
              "history", role=Role.ADMIN, query=SnapshotQuery,
              answers={200: Answer("deleted", Message), **ERRORS}),
    Operation("GET", "/impact", get_impact, "What depends on an object, or what it "
              "depends on", "history", query=ImpactQuery, answers=_DOC),
    Operation("GET", "/export", get_export, "A clique, a neighbourhood or an environment "
              "as JSON Graph, GraphML or DOT", "history", query=ExportQuery,
              answers={200: Answer("the graph"), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
