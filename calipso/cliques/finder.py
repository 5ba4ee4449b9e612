"""The clique finder: for each focal point (instance, vService, network, ...) the graph of
links around it, by the clique type that applies to the environment.

A full build reads all links of the environment once and walks them in memory; a rebuild
of some focal points (events) reads only the links within their walks' reach, with
indexed queries, round by round. Focal points are read with one query per focal point
type; cliques are written in bulk (``CliqueWriter``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from bson import ObjectId

from calipso.clique_choice import choose_clique_types, choose_constraints
from calipso.cliques.graph import LinkGraph, walk
from calipso.inventory import CliqueWriter, Doc, chunks
from calipso.links.base import LinkContext, log_info

_ID_CHUNK = 1000
# A clique holds the structure of its links; their monitoring status is read from the links
# themselves (a status change must not make every clique around a link stale).
NOT_IN_CLIQUES = ("last_scanned", "status", "status_value", "status_text",
                  "status_timestamp")


async def load_graph(ctx: LinkContext, implicit: bool) -> LinkGraph:
    """The environment's links (implicit ones only when a clique type uses them)."""
    query: Doc = {"environment": ctx.env.name}
    if not implicit:
        query["implicit"] = {"$ne": True}
    graph = LinkGraph()
    async for link in ctx.db.links.find(query, dict.fromkeys(NOT_IN_CLIQUES, 0)):
        graph.add(link)
    return graph


async def load_around(ctx: LinkContext, graph: LinkGraph, objects: dict[ObjectId, str],
                      implicit: bool) -> None:
    """Add to a scoped graph the links of ``objects`` (database id → id), both ways.
    Each query names one indexed field only (another condition, such as on ``implicit``,
    makes SecantusDB scan the collection); implicit links are left out here."""
    assert graph.around is not None
    ids = [i for oid, i in objects.items() if oid not in graph.around]
    graph.around.update(objects)
    for end in ("source_id", "target_id"):
        for chunk in chunks(ids, _ID_CHUNK):
            async for link in ctx.db.links.find(
                    {"environment": ctx.env.name, end: {"$in": chunk}},
                    dict.fromkeys(NOT_IN_CLIQUES, 0)):
                if implicit or link.get("implicit") is not True:
                    graph.add(link)


async def load_reach(ctx: LinkContext, graph: LinkGraph,
                     walks: list[tuple[Doc, Doc, list[str]]], implicit: bool) -> None:
    """Load into a scoped graph the links the walks of ``walks`` (focal point, clique
    type, constraint names) reach: all walk, the objects they reach unloaded have their
    links loaded in one round of queries, and those walks go again, until none reaches
    an unloaded object (one round per link type of a clique type at most)."""
    pending = walks
    while pending:
        missing: dict[ObjectId, str] = {}
        again = []
        for focal, clique_type, names in pending:
            graph.missing.clear()
            make_clique(focal, clique_type, names, graph)
            if graph.missing:
                missing.update(graph.missing)
                again.append((focal, clique_type, names))
        graph.missing.clear()
        if missing:
            await load_around(ctx, graph, missing, implicit)
        pending = again


async def _focal_points(ctx: LinkContext, fields: dict[str, list[str]],
                        ids: list[str] | None) -> dict[str, list[Doc]]:
    """The focal points by type (``fields``: type → constraint fields), all of the
    environment or those of ``ids``. Those of ``ids`` are read by id alone, in one query:
    a type beside the ids makes SecantusDB read every object of the type."""
    out: dict[str, list[Doc]] = {focal_type: [] for focal_type in fields}
    if ids is None:
        for focal_type, names in fields.items():
            out[focal_type] = await ctx.db.inventory.find(
                {"environment": ctx.env.name, "type": focal_type},
                dict.fromkeys(("_id", "id", "type", "clique", *names), 1)).to_list(None)
        return out
    every = {name for names in fields.values() for name in names}
    projection = dict.fromkeys(("_id", "id", "type", "clique", *every), 1)
    for chunk in chunks(ids, _ID_CHUNK):
        async for doc in ctx.db.inventory.find(
                {"environment": ctx.env.name, "id": {"$in": chunk}}, projection):
            if doc.get("type") in out:
                names = fields[doc["type"]]
                out[doc["type"]].append({k: v for k, v in doc.items()
                                         if k in ("_id", "id", "type", "clique", *names)})
    return out


def make_clique(focal: Doc, clique_type: Doc, constraint_names: list[str],
                graph: LinkGraph) -> Doc | None:
    """The clique document of ``focal``, or None when its walk finds no link."""
    constraints: dict[str, Any] = {c: focal.get(c) for c in constraint_names}
    links, nodes = walk(focal, list(clique_type["link_types"]), constraints, graph,
                        implicit=clique_type.get("use_implicit_links") is True)
    if not links:
        return None
    return {
        "focal_point": focal["_id"],
        "focal_point_id": focal["id"],
        "focal_point_type": focal["type"],
        "links": [link["_id"] for link in links],
        "links_detailed": links,
        "nodes": nodes,
        "constraints": constraints,
        "clique_type": clique_type["_id"],
    }


async def find_cliques(ctx: LinkContext, focal_point_ids: list[str] | None = None) -> int:
    """Build the cliques of the environment; returns how many it has now.

    With ``focal_point_ids`` only those focal points' cliques are rebuilt (events); a focal
    point whose rebuild yields no link, or that is gone, loses its clique. Without, every
    clique is rebuilt and cliques not rebuilt (their focal point gone, or no longer a
    focal point type) are removed.
    """
    started = time.perf_counter()
    env = ctx.env
    clique_types = choose_clique_types(
        await ctx.db.clique_types.find({}).sort("_id", 1).to_list(None), env)
    constraints = choose_constraints(
        await ctx.db.clique_constraints.find({}).sort("_id", 1).to_list(None), env)
    if not clique_types:
        ctx.log.warning("no clique type applies to the environment")
    implicit = any(t.get("use_implicit_links") is True for t in clique_types.values())
    # a rebuild of a few focal points walks only the links within their reach
    graph = (await load_graph(ctx, implicit) if focal_point_ids is None
             else LinkGraph(around=set()))
    writer = CliqueWriter(ctx.db, env.name, ctx.scanned_at)
    await writer.load_existing(focal_point_ids)
    built: set[str] = set()
    focals = await _focal_points(ctx, {t: constraints.get(t, []) for t in clique_types},
                                 focal_point_ids)
    if graph.around is not None:
        await load_reach(ctx, graph, [
            (focal, clique_types[t], constraints.get(t, [])) for t, docs in focals.items()
            for focal in docs], implicit)
    for focal_type, clique_type in clique_types.items():
        names = constraints.get(focal_type, [])
        count = empty = 0
        for focal in focals[focal_type]:
            clique = make_clique(focal, clique_type, names, graph)
            if clique is None:
                empty += 1
                continue
            await writer.add(clique, flagged=focal.get("clique") is True,
                             link_digests=[graph.digest(link)
                                           for link in clique["links_detailed"]])
            built.add(focal["id"])
            count += 1
        log_info(ctx.log, "cliques built", focal_point_type=focal_type,
                 clique_type=clique_type.get("name"), count=count, empty=empty)
    if focal_point_ids is None:
        removed = await writer.remove_unseen()
    else:
        removed = await writer.remove([i for i in dict.fromkeys(focal_point_ids)
                                       if i not in built])
    await writer.flush()
    ctx.count_written("cliques", writer.written, writer.write_seconds)
    log_info(ctx.log, "cliques found", count=len(built), removed=removed, links=graph.size,
             written=writer.written, unchanged=writer.unchanged,
             write_ms=round(writer.write_seconds * 1000),
             duration_ms=round((time.perf_counter() - started) * 1000))
    return len(built)


async def rebuild_cliques_around(ctx: LinkContext, object_ids: Iterable[str]) -> int:
    """Rebuild the cliques that hold one of ``object_ids`` and those whose focal point is
    one of them: after links of these objects changed, no other clique can have.
    Returns how many of them exist now."""
    ids = list(dict.fromkeys(object_ids))
    focal: dict[str, None] = dict.fromkeys(ids)
    for chunk in chunks(ids, _ID_CHUNK):
        async for clique in ctx.db.cliques.find(
                {"environment": ctx.env.name, "nodes": {"$in": chunk}}, {"focal_point_id": 1}):
            focal[clique["focal_point_id"]] = None
    return await find_cliques(ctx, list(focal))
