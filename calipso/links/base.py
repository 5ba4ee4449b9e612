"""What every link finder shares: the run's context, the object loaders, the link writer.

A finder subclasses ``FindLinks`` and implements ``async def add_links(self)``. It loads
the objects it needs with ``objects()`` (one query per type, with a projection), matches
them in dicts in memory, and hands each link to ``add_link()``; no query per object.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from calipso.env_config import EnvironmentConfig
from calipso.inventory import Doc, InventoryWriter, LinkWriter, decode_keys

UP = "up"
DOWN = "down"


@dataclass(frozen=True, slots=True)
class LinkScope:
    """The part of an environment a run works on: the objects on one host, or a set of
    objects. Only links that touch one of its objects are found, written or removed."""

    host: str | None = None
    object_ids: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if (self.host is None) == (self.object_ids is None):
            raise ValueError("a link scope is one host or a set of objects")


@dataclass(frozen=True, slots=True)
class LinkContext:
    """One run of the link and clique finders over one environment (or a scope of it)."""

    db: AsyncDatabase
    env: EnvironmentConfig
    scanned_at: datetime
    log: logging.LoggerAdapter
    scope: LinkScope | None = None
    # documents written and seconds spent writing, by collection, over the run
    written: dict[str, int] = field(default_factory=dict)
    write_s: dict[str, float] = field(default_factory=dict)
    # finders that failed in the run (their stale links were kept)
    failed_finders: list[str] = field(default_factory=list)

    def count_written(self, collection: str, count: int, seconds: float) -> None:
        self.written[collection] = self.written.get(collection, 0) + count
        self.write_s[collection] = self.write_s.get(collection, 0.0) + seconds


async def scope_ids(ctx: LinkContext) -> set[str] | None:
    """The ids of the objects in the run's scope; None for the whole environment."""
    scope = ctx.scope
    if scope is None:
        return None
    if scope.object_ids is not None:
        return set(scope.object_ids)
    cursor = ctx.db.inventory.find({"environment": ctx.env.name, "host": scope.host},
                                   {"id": 1})
    return {doc["id"] async for doc in cursor}


def log_info(log: logging.LoggerAdapter, message: str, **fields: Any) -> None:
    """INFO with the adapter's context and ``fields`` as extras (a 3.11 adapter would
    replace ``extra`` by its own instead of merging)."""
    log.logger.info(message, extra={**(log.extra or {}), **fields})


def pnic_state(pnic: Doc) -> str:
    """A host pNIC's links are up when ethtool saw a link."""
    return UP if pnic.get("Link detected") == "yes" else DOWN


def index(docs: Iterable[Doc], *fields: str) -> dict[Any, Doc]:
    """Docs keyed by one field, or by a tuple of fields; docs missing a field are left out."""
    out: dict[Any, Doc] = {}
    for doc in docs:
        values = tuple(doc.get(f) for f in fields)
        if any(v is None for v in values):
            continue
        out[values[0] if len(values) == 1 else values] = doc
    return out


class FindLinks:
    """Base of the link finders named in ``config/link_finders.json``.

    ``links`` is the run's shared writer (``find_links`` passes one to every finder); a
    finder made on its own gets its own, and ``run()`` flushes it.
    """

    def __init__(self, ctx: LinkContext, links: LinkWriter | None = None,
                 inventory: InventoryWriter | None = None) -> None:
        self.ctx = ctx
        self.env = ctx.env.name
        self.log = ctx.log
        self.links = links or LinkWriter(ctx.db, self.env, ctx.scanned_at)
        self.inventory = inventory or InventoryWriter(ctx.db, self.env, ctx.scanned_at)
        self.skipped: dict[str, int] = {}

    async def add_links(self) -> None:
        raise NotImplementedError

    async def run(self) -> None:
        """``add_links`` then write what it found (links and inventory patches)."""
        await self.add_links()
        await self.links.flush()
        await self.inventory.flush()
        if self.skipped:
            log_info(self.log, "link candidates skipped", finder=type(self).__name__,
                     skipped=self.skipped)

    def skip(self, reason: str) -> None:
        """Count a candidate left out; ``run`` logs the counts once."""
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    # --- loading ---------------------------------------------------------------------

    @property
    def mechanism_drivers(self) -> list[str]:
        return [m.upper() for m in self.ctx.env.mechanism_drivers]

    async def objects(self, object_type: str, fields: Iterable[str],
                      query: Doc | None = None) -> list[Doc]:
        """All objects of ``object_type`` in the environment (in a host's scope: on that
        host or on none), with ``_id``, ``id``, ``type``, ``name``, ``host`` and ``fields``
        only; ``[dot]`` keys decoded."""
        projection = dict.fromkeys(("_id", "id", "type", "name", "host", *fields), 1)
        flt: Doc = {"environment": self.env, "type": object_type, **(query or {})}
        scope = self.ctx.scope
        if scope is not None and scope.host is not None and "host" not in flt:
            # one host's run: that host's objects and the objects of no host (networks,
            # ports...), never another host's
            flt["host"] = {"$in": [scope.host, None]}
        cursor = self.ctx.db.inventory.find(flt, projection)
        return [decode_keys(doc) async for doc in cursor]

    # --- writing ---------------------------------------------------------------------

    async def add_link(self, source: Doc, target: Doc, link_name: str | None,
                       state: str = UP, attributes: Doc | None = None,
                       host: str | None = None, switch: str | None = None,
                       source_label: str = "", target_label: str = "",
                       implicit: bool = False, link_type: str | None = None) -> None:
        """Hand one link from ``source`` to ``target`` (inventory documents) to the writer."""
        link: Doc = {
            "link_type": link_type or f"{source['type']}-{target['type']}",
            "source": source["_id"], "source_id": source["id"],
            "target": target["_id"], "target_id": target["id"],
            "link_name": link_name or "",
            "state": state,
            "link_weight": 0,
            "implicit": implicit,
            "attributes": attributes or {},
            "source_label": source_label,
            "target_label": target_label,
        }
        if host:
            link["host"] = host
        if switch:
            link["switch"] = switch
        await self.links.add(link)

    async def found_links(self, link_type: str) -> list[Doc]:
        """Links of ``link_type`` found earlier in this run; for a finder run on its own
        (nothing found yet), the stored ones."""
        if self.links.count or self.ctx.scope is not None:
            return [link for link in self.links.found() if link["link_type"] == link_type]
        cursor = self.ctx.db.links.find({"environment": self.env, "link_type": link_type},
                                        {"source_id": 1, "target_id": 1, "attributes": 1})
        return [doc async for doc in cursor]

    async def patch(self, obj: Doc, fields: Doc) -> None:
        """Set ``fields`` on an inventory object when they differ from what it holds."""
        changed = {k: v for k, v in fields.items() if obj.get(k) != v}
        if changed:
            obj.update(changed)
            await self.inventory.patch(obj["id"], changed)
