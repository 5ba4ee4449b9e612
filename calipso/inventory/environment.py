"""Everything of one environment at once: clearing its discovered data."""

from __future__ import annotations

from collections.abc import Iterable

from pymongo.asynchronous.database import AsyncDatabase

from calipso.inventory.freshness import forget_derived

DISCOVERED = ("inventory", "links", "cliques")


async def clear_environment(db: AsyncDatabase, env: str,
                            collections: Iterable[str] = DISCOVERED) -> None:
    """Delete the environment's documents from ``collections``."""
    await forget_derived(db, env)
    for name in collections:
        await db[name].delete_many({"environment": env})
