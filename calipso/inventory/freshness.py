"""Whether an environment's links and cliques still follow from its inventory.

After a full scan whose link and clique phases ran clean, the scan records the basis they
were derived from (``mark_derived``): the code, the link finders, the clique types and
constraints, the environment's drivers. Any later write of an object, a link or a clique
(a scan's, an event's, the API's) goes through this package and forgets that record. So a
scan whose inventory phase wrote nothing, and that finds the same basis recorded, knows
that its links and cliques would come out exactly as stored, and skips them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase


async def forget_derived(db: AsyncDatabase, env: str) -> None:
    await db.derived_state.delete_one({"environment": env})


async def mark_derived(db: AsyncDatabase, env: str, basis: bytes) -> None:
    await db.derived_state.replace_one(
        {"environment": env},
        {"environment": env, "basis": basis, "at": datetime.now(UTC)}, upsert=True)


async def derived_basis(db: AsyncDatabase, env: str) -> bytes | None:
    doc = await db.derived_state.find_one({"environment": env}, {"basis": 1})
    return None if doc is None else doc.get("basis")
