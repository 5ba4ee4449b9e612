"""One scan of one environment: inventory, then links, then cliques.

``run_scan`` owns everything the scan opens (API session, MySQL pool, SSH connections)
and closes it when the scan ends, whatever way it ends.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from calipso import __version__
from calipso.cliques.finder import find_cliques
from calipso.env_config import EnvironmentConfig
from calipso.env_support import check_environment
from calipso.errors import FetchError, InvalidInput
from calipso.fetchers.unrecognised import unrecognised_summary
from calipso.inventory import (
    DISCOVERED,
    InventoryWriter,
    clear_environment,
    derived_basis,
    digest,
    mark_derived,
    root_parent,
)
from calipso.inventory.origin import change_origin
from calipso.links import find_links
from calipso.links.base import LinkContext
from calipso.log import ContextLogger
from calipso.metrics import observe_scan
from calipso.scanners.context import ScanContext
from calipso.scanners.lifecycle import ScanOptions, ScanStatus
from calipso.scanners.metadata import ScannerTree
from calipso.scanners.metadata_files import Metadata
from calipso.scanners.object_scan import scan_one_object
from calipso.scanners.walker import Walker
from calipso.settings import Settings
from calipso.sources import FetchFailure, SshPools, open_sources

log = logging.getLogger(__name__)

@dataclass(slots=True)
class ScanResult:
    status: ScanStatus = ScanStatus.RUNNING
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    failed_hosts: list[str] = field(default_factory=list)
    links: int = 0
    cliques: int = 0
    removed: int = 0
    stale: int = 0
    duration_s: float = 0.0
    db_write_s: float = 0.0
    source_calls: dict[str, int] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)
    write_s: dict[str, float] = field(default_factory=dict)
    # what the scan says without it being an error: how the clique types were chosen
    notes: list[str] = field(default_factory=list)
    # host roles, agent types and bridges the scan found and did not recognise
    unrecognised: list[str] = field(default_factory=list)
    phase_s: dict[str, float] = field(default_factory=dict)

    def to_doc(self) -> dict[str, Any]:
        return {"counts": self.counts, "errors": self.errors[:200],
                "failed_hosts": self.failed_hosts, "links": self.links,
                "cliques": self.cliques, "removed": self.removed, "stale": self.stale,
                "duration_s": round(self.duration_s, 3), "db_write_s": round(self.db_write_s, 3),
                "error_count": len(self.errors), "source_calls": self.source_calls,
                "written": self.written, "notes": self.notes,
                "unrecognised": self.unrecognised[:200],
                "write_s": {k: round(v, 3) for k, v in self.write_s.items()},
                "phase_s": {k: round(v, 3) for k, v in self.phase_s.items()}}


def progress_doc(ctx: ScanContext) -> dict[str, Any]:
    state = ctx.state
    return {"phase": state.phase, "hosts_done": state.hosts_done,
            "hosts_total": state.hosts_total, "objects": len(state.objects),
            "errors": len(state.failures)}


Progress = Callable[[ScanContext], None]


def now_ms() -> datetime:
    """Now, to the millisecond MongoDB keeps (so `last_scanned < started` is exact)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


async def run_scan(
    db: AsyncDatabase,
    settings: Settings,
    env: EnvironmentConfig,
    metadata: Metadata,
    options: ScanOptions,
    scan_id: str,
    progress: Progress | None = None,
    ssh_pools: SshPools | None = None,
) -> ScanResult:
    """Scan ``env``; the result's status says how it ended. A scan that cannot
    authenticate to the cloud's API (or reach it) is ``failed`` and changes nothing."""
    with change_origin("scan", scan_id=scan_id):
        result = await _run_scan(db, settings, env, metadata, options, scan_id, progress,
                                 ssh_pools)
    observe_scan(env.name, result.status, result.duration_s, result.phase_s, result.counts,
                 result.errors, result.source_calls)
    return result


async def _run_scan(db: AsyncDatabase, settings: Settings, env: EnvironmentConfig,
                    metadata: Metadata, options: ScanOptions, scan_id: str,
                    progress: Progress | None, ssh_pools: SshPools | None) -> ScanResult:
    started = time.perf_counter()
    scanned_at = now_ms()
    adapter = ContextLogger(log, {"env": env.name, "scan_id": scan_id})
    inventory = InventoryWriter(db, env.name, scanned_at)
    result = ScanResult()
    async with open_sources(env, settings, db, ssh_pools) as sources:
        ctx = ScanContext(env=env, settings=settings, db=db, inventory=inventory,
                          api=sources.api, mysql=sources.mysql, ssh=sources.ssh,
                          log=adapter, scan_id=scan_id, started_at=scanned_at)
        if sources.api is not None and options.only in (None, "inventory"):
            try:
                await sources.api.token()
            except FetchError as err:
                adapter.error("cannot authenticate to the cloud's API; scan failed", extra={
                    "target": err.target, "error": err.detail})
                result.status = ScanStatus.FAILED
                result.errors = [{"source": err.source, "target": err.target,
                                  "error": err.detail, "object_type": ""}]
                await _record_failures(db, env.name, scan_id, result.errors)
                result.duration_s = time.perf_counter() - started
                ctx.state.phase = "done"
                if progress is not None:
                    progress(ctx)
                return result
        result.notes = await _clique_type_notes(db, env)
        if options.clear:
            only = options.only
            await clear_environment(db, env.name, DISCOVERED if only is None else (only,))
        await inventory.load_existing()
        ssh_before = sources.ssh.commands if sources.ssh else 0  # the pool may be shared
        # A source that could not be opened hides nothing (no type, no scope): reported only.
        ctx.state.failures.extend(FetchFailure("", "", p.source, p.target, p.detail)
                                  for p in sources.problems)
        ticker = asyncio.create_task(_tick(ctx, progress), name=f"scan:{env.name}:progress")
        link_ctx = LinkContext(db=db, env=env, scanned_at=scanned_at, log=adapter)
        try:
            for phase in ("inventory", "links", "cliques"):
                if options.only not in (None, phase):
                    continue
                ctx.state.phase = phase
                adapter.info("scan phase", extra={"phase": phase})
                phase_started = time.perf_counter()
                if phase == "inventory":
                    await _inventory_phase(ctx, metadata.scanners, options, result)
                    if not ctx.state.failures and await _derived_current(
                            db, env, metadata, options, result, inventory):
                        adapter.info("inventory unchanged: links and cliques kept as stored")
                        result.links = await db.links.count_documents({"environment": env.name})
                        result.cliques = await db.cliques.count_documents(
                            {"environment": env.name})
                        result.phase_s[phase] = time.perf_counter() - phase_started
                        break
                elif phase == "links":
                    result.links = await find_links(link_ctx, metadata.link_plan)
                else:
                    result.cliques = await find_cliques(link_ctx)
                result.phase_s[phase] = time.perf_counter() - phase_started
        finally:
            ticker.cancel()
            await asyncio.gather(ticker, return_exceptions=True)
            await inventory.finish()
        if options.only is None and options.object_id is None and "cliques" in result.phase_s \
                and not link_ctx.failed_finders and not ctx.state.failures:
            await mark_derived(db, env.name, await _derivation_basis(db, env, metadata))
        ctx.state.phase = "done"
        ctx.state.hosts_done = ctx.state.hosts_total
        if progress is not None:
            progress(ctx)
        result.source_calls = {
            "api": sources.api.calls if sources.api else 0,
            "ssh": sources.ssh.commands - ssh_before if sources.ssh else 0,
            "mysql": sources.mysql.queries if sources.mysql else 0,
        }
    result.counts = ctx.state.counts()
    result.failed_hosts = sorted(ctx.state.failed_hosts)
    # one command that failed for several objects (a host's instances) is one error
    result.errors = list({
        (f.source, f.target, f.error, f.object_type): {
            "source": f.source, "target": f.target, "error": f.error,
            "object_type": f.object_type}
        for f in ctx.state.failures}.values())
    result.unrecognised = unrecognised_summary(ctx.state.objects.values())
    await _record_failures(db, env.name, scan_id, result.errors)
    await _record_notes(db, env.name, scan_id, result)
    result.status = ScanStatus.COMPLETED_WITH_ERRORS if result.errors else ScanStatus.COMPLETED
    result.duration_s = time.perf_counter() - started
    # the link finders' inventory patches (vnic.network...) are a cost of the links phase
    result.write_s = {"inventory": inventory.write_seconds,
                      "links": link_ctx.write_s.get("links", 0.0)
                      + link_ctx.write_s.get("inventory", 0.0),
                      "cliques": link_ctx.write_s.get("cliques", 0.0)}
    result.db_write_s = sum(result.write_s.values())
    result.written = {"inventory": inventory.written + link_ctx.written.get("inventory", 0),
                      "links": link_ctx.written.get("links", 0),
                      "cliques": link_ctx.written.get("cliques", 0)}
    adapter.info("scan finished", extra={"status": result.status, "duration_ms": round(
        result.duration_s * 1000), "count": sum(result.counts.values())})
    return result


async def _inventory_phase(ctx: ScanContext, tree: ScannerTree, options: ScanOptions,
                           result: ScanResult) -> None:
    walker = Walker(ctx, tree)
    if options.object_id is not None:
        await scan_one_object(walker, options.object_id)
        return
    await walker.walk(tree.root, root_parent(ctx.env_name))
    await ctx.inventory.finish()
    keep: list[tuple[str | None, str]] = [(f.object_type, f.scope) for f in ctx.state.failures]
    result.removed, result.stale = await ctx.inventory.remove_unseen(keep)


async def _derivation_basis(db: AsyncDatabase, env: EnvironmentConfig,
                             metadata: Metadata) -> bytes:
    """What an environment's links and cliques follow from, besides its inventory."""
    clique_types = await db.clique_types.find({}).sort("_id", 1).to_list(None)
    constraints = await db.clique_constraints.find({}).sort("_id", 1).to_list(None)
    return digest({
        "calipso": __version__, "finders": list(metadata.link_plan.names),
        "clique_types": clique_types, "clique_constraints": constraints,
        "env": env.model_dump(mode="json", include={
            "environment_type", "distribution", "distribution_version", "mechanism_drivers",
            "type_drivers"}),
    }, ["calipso", "finders", "clique_types", "clique_constraints", "env"])


async def _derived_current(db: AsyncDatabase, env: EnvironmentConfig, metadata: Metadata,
                           options: ScanOptions, result: ScanResult,
                           inventory: InventoryWriter) -> bool:
    """A whole scan whose inventory phase changed nothing, over links and cliques derived
    from the same basis and untouched since: they would come out as stored."""
    if options.only is not None or options.object_id is not None or options.clear:
        return False
    if inventory.written or result.removed or result.stale:
        return False
    stored = await derived_basis(db, env.name)
    return stored is not None and stored == await _derivation_basis(db, env, metadata)


async def _tick(ctx: ScanContext, progress: Progress | None) -> None:
    if progress is None:
        return
    while True:
        progress(ctx)
        await asyncio.sleep(0.5)


async def _clique_type_notes(db: AsyncDatabase, env: EnvironmentConfig) -> list[str]:
    """When the environment's distribution does not choose its clique types (none given,
    unknown, or not supported with its drivers): which ones apply and why."""
    try:
        return await check_environment(db, env)
    except InvalidInput as err:
        return [f"{err}: clique types may not reach past the vNICs"]


async def _record_notes(db: AsyncDatabase, env: str, scan_id: str,
                        result: ScanResult) -> None:
    now = datetime.now(UTC)
    lines = [("info", note) for note in result.notes]
    if result.unrecognised:
        lines.append(("warning", "not recognised: " + "; ".join(result.unrecognised[:50])))
    if lines:
        await db.messages.insert_many([
            {"environment": env, "source_system": "Calipso", "level": level,
             "message": text, "origin_id": scan_id, "origin_type": "scan",
             "timestamp": now, "viewed": False} for level, text in lines])


async def _record_failures(db: AsyncDatabase, env: str, scan_id: str,
                           errors: list[dict[str, str]]) -> None:
    if not errors:
        return
    now = datetime.now(UTC)
    await db.messages.insert_many([
        {"environment": env, "source_system": "Calipso", "level": "error",
         "message": f"{e['source']} {e['target']}: {e['error']}",
         "related_object_type": e["object_type"], "origin_id": scan_id,
         "origin_type": "scan", "timestamp": now, "viewed": False}
        for e in errors
    ])
