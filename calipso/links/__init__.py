"""Link finders: the links between one environment's inventory objects.

``find_links`` runs the finders of a ``LinkFinderPlan`` (``config/link_finders.json``) in
order over the inventory in MongoDB, all writing through one ``LinkWriter``, then removes
the environment's links this run did not find again. See README.md for each link type.
"""

from __future__ import annotations

import time

from calipso.inventory import InventoryWriter, LinkWriter
from calipso.links.base import FindLinks, LinkContext, LinkScope, log_info, scope_ids
from calipso.links.plan import LinkFinderPlan, load_link_plan

__all__ = ["FindLinks", "LinkContext", "LinkFinderPlan", "LinkScope", "find_links",
           "load_link_plan"]


async def find_links(ctx: LinkContext, plan: LinkFinderPlan) -> int:
    """Run every finder of ``plan``; returns the number of links found in this run.

    With ``ctx.scope`` only the links touching the scope's objects are found, and only
    those are removed when not found again.

    A finder that fails is logged and skipped; the others still run, and then no link is
    removed (the failed finder's links from earlier runs stay until a clean run).
    """
    started = time.perf_counter()
    links = LinkWriter(ctx.db, ctx.env.name, ctx.scanned_at, scope=await scope_ids(ctx))
    inventory = InventoryWriter(ctx.db, ctx.env.name, ctx.scanned_at)
    existing = await links.load_existing()
    failed: list[str] = []
    for finder_class in plan.finders:
        finder_started = time.perf_counter()
        before = links.count
        finder: FindLinks = finder_class(ctx, links=links, inventory=inventory)
        try:
            await finder.run()
        except Exception:
            # One finder's failure costs its links, not the others'.
            ctx.log.logger.exception("link finder failed", extra={
                **(ctx.log.extra or {}), "finder": finder_class.__name__})
            failed.append(finder_class.__name__)
            continue
        log_info(ctx.log, "link finder done", finder=finder_class.__name__,
                 count=links.count - before,
                 duration_ms=round((time.perf_counter() - finder_started) * 1000))
    ctx.failed_finders.extend(failed)
    if failed:
        # Links a failed finder would have found again must not be taken for gone.
        await links.flush()
        removed = 0
        ctx.log.logger.warning("stale links kept: a link finder failed",
                               extra={**(ctx.log.extra or {}), "failed": failed})
    else:
        removed = await links.remove_unseen()
    ctx.count_written("links", links.written, links.write_seconds)
    ctx.count_written("inventory", inventory.written, inventory.write_seconds)
    log_info(ctx.log, "links found", count=links.count, existing=existing, removed=removed,
             written=links.written, unchanged=links.unchanged,
             write_ms=round(links.write_seconds * 1000),
             duration_ms=round((time.perf_counter() - started) * 1000))
    return links.count
