"""Running one claimed scan to its end, the same way for the worker and ``calipso scan``.

While the scan runs its lease is renewed and its progress written; a cancel through the
API stops it. When it ends its document gets the result and the final progress, and a
whole scan that got through marks the environment ``scanned``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from calipso.db import database_error
from calipso.env_config import EnvironmentConfig
from calipso.errors import DatabaseUnavailable
from calipso.scanners.context import ScanContext
from calipso.scanners.lifecycle import ScanOptions, ScanRequests, ScanStatus
from calipso.scanners.metadata_files import Metadata
from calipso.scanners.scan import ScanResult, progress_doc, run_scan
from calipso.settings import Settings
from calipso.sources import SshPools

log = logging.getLogger(__name__)

Doc = dict[str, Any]
Progress = Callable[[ScanContext], None]


class ScanAborted(Exception):
    """The scan was cancelled through the API while it ran."""


async def run_claimed(requests: ScanRequests, scan: Doc, env: EnvironmentConfig, *,
                      db: AsyncDatabase, settings: Settings, metadata: Metadata,
                      progress: Progress | None = None, ssh_pools: SshPools | None = None,
                      on_interrupt: Literal["abandon", "fail"] = "abandon") -> ScanResult:
    """Run ``scan`` (claimed by ``requests``) and record how it ended.

    Raises ``ScanAborted`` when cancelled through the API. When the caller is cancelled
    (shutdown, Ctrl-C) the scan is handed back as pending (``abandon``: a worker's
    shutdown) or failed (``fail``: the user stopped ``calipso scan``), and the
    cancellation goes on.
    """
    options = ScanOptions.of_request(scan)
    seen: list[ScanContext] = []

    def on_progress(ctx: ScanContext) -> None:
        seen[:] = [ctx]
        if progress is not None:
            progress(ctx)

    task = asyncio.create_task(run_scan(db, settings, env, metadata, options, str(scan["_id"]),
                                        progress=on_progress, ssh_pools=ssh_pools),
                               name=f"scan:{env.name}:{scan['_id']}:run")
    keeper = asyncio.create_task(_keep_lease(requests, scan, task, seen))
    try:
        result = await task
    except asyncio.CancelledError as cancelled:
        keeper.cancel()
        me = asyncio.current_task()
        if me is not None and not me.cancelling():
            log.info("scan cancelled through the API", extra={
                "env": env.name, "scan_id": str(scan["_id"])})
            await asyncio.shield(requests.finish(scan, ScanStatus.ABORTED))
            raise ScanAborted(str(scan["_id"])) from None
        log.warning("scan interrupted", extra={"env": env.name, "scan_id": str(scan["_id"]),
                                               "handed_back": on_interrupt == "abandon"})
        if on_interrupt == "abandon":
            await asyncio.shield(requests.abandon(scan))
        else:
            await asyncio.shield(requests.finish(scan, ScanStatus.FAILED,
                                                 error=str(cancelled) or "interrupted"))
        raise
    except PyMongoError as err:
        detail = database_error(err)
        log.error("the database stopped answering during the scan", extra={
            "env": env.name, "scan_id": str(scan["_id"]), "error": detail})
        # the record too may be out of reach: the lease then expires and fails it later
        with contextlib.suppress(PyMongoError):
            await requests.finish(scan, ScanStatus.FAILED, error=f"database: {detail}")
        raise DatabaseUnavailable(
            f"the database stopped answering during the scan of {env.name}: {detail}") from None
    except Exception as err:
        log.exception("scan crashed", extra={"env": env.name, "scan_id": str(scan["_id"])})
        await requests.finish(scan, ScanStatus.FAILED, error=f"{type(err).__name__}: {err}")
        raise
    finally:
        keeper.cancel()
        await asyncio.gather(keeper, return_exceptions=True)
    # the environment first: whoever sees the scan ended sees the environment scanned
    if options.whole and result.status in (ScanStatus.COMPLETED,
                                           ScanStatus.COMPLETED_WITH_ERRORS):
        await db.environments_config.update_one(
            {"name": env.name},
            {"$set": {"scanned": True, "last_scanned": datetime.now(UTC)}})
    final = progress_doc(seen[0]) if seen else None
    await requests.finish(scan, result.status, result=result.to_doc(),
                          **({"progress": final} if final else {}))
    return result


async def _keep_lease(requests: ScanRequests, scan: Doc, task: asyncio.Task[ScanResult],
                      seen: list[ScanContext]) -> None:
    every = min(2.0, max(0.2, requests.lease.total_seconds() / 3))
    while not task.done():
        await asyncio.sleep(every)
        if task.done():
            return
        if not await requests.renew(scan, progress_doc(seen[0]) if seen else None):
            task.cancel()
            return
