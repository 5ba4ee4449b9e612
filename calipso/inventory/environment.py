"""Everything of one environment at once: clearing its discovered data."""

from __future__ import annotations

from collections.abc import Iterable

from pymongo.asynchronous.database import AsyncDatabase

from calipso.inventory.freshness import forget_derived
from calipso.inventory.revisions import cleared_revision, record

DISCOVERED = ("inventory", "links", "cliques")


async def clear_environment(db: AsyncDatabase, env: str,
                            collections: Iterable[str] = DISCOVERED) -> None:
    """Delete the environment's documents from ``collections``."""
    await forget_derived(db, env)
    collections = list(collections)
    if set(collections) & set(DISCOVERED):
        # Not copied document by document: a time before a clear is no longer rebuilt.
        await record(db, [cleared_revision(env, collections)])
    for name in collections:
        await db[name].delete_many({"environment": env})
