"""``calipso serve``: the composition root that opens resources and runs the parts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable

from calipso import __version__
from calipso.api.app import make_app, open_site
from calipso.api.routes import ROUTES
from calipso.db import open_database
from calipso.events.manager import EventManager
from calipso.events.metadata import load_events
from calipso.events.services import EventServices
from calipso.scanners.metadata_files import load_metadata
from calipso.scanners.worker import ScanWorker
from calipso.seed import database_is_empty, load_seed
from calipso.service_context import ServiceContext
from calipso.settings import Settings
from calipso.sources import SshPools
from calipso.supervisor import Part, Supervisor

log = logging.getLogger(__name__)

PartFactory = Callable[[ServiceContext], Part | None]


def _embedded_watchdog(ctx: ServiceContext) -> Part | None:
    server = ctx.database.embedded
    if server is None:
        return None

    async def run(stopping: asyncio.Event) -> None:
        await server.watch()

    return Part("database-server", run)


def _scan_worker(ctx: ServiceContext) -> Part:
    worker = ScanWorker(ctx.database.db, ctx.settings, ctx.metadata,
                        ssh_pools=ctx.ssh_pools)
    return Part("scan-worker", worker.run, drains=True)


def _event_manager(ctx: ServiceContext) -> Part:
    # config/events.json is read here, at start-up: a bad file stops `calipso serve`
    routing = load_events(ctx.settings.config_dir)
    services = EventServices(ctx.database.db, ctx.settings, ctx.metadata, ctx.ssh_pools)
    manager = EventManager(services, routing, max_backoff=ctx.settings.part_restart_max_backoff,
                           reconcile_interval=ctx.settings.events_reconcile_interval)
    ctx.reports["events"] = manager.status
    return Part("event-manager", manager.run)


# The one registration point of the service's long-lived parts (the monitoring intake is
# added here by its package's factory).
PART_FACTORIES: tuple[PartFactory, ...] = (_embedded_watchdog, _scan_worker, _event_manager)


async def serve(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[ServiceContext, int], None] | None = None,
    demo: bool = False,
) -> None:
    """Run until SIGTERM/SIGINT (or ``stop`` is set), then shut down in stages."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    metadata = await load_metadata(settings.config_dir)
    async with contextlib.AsyncExitStack() as stack:
        database = await stack.enter_async_context(open_database(settings))
        if await database_is_empty(database.db):
            report = await load_seed(database.db, config_dir=settings.config_dir)
            log.info("seeded an empty database", extra={"summary": str(report)})
        if demo:
            from calipso.demo import open_demo

            await stack.enter_async_context(open_demo(database.db))
        supervisor = Supervisor(max_backoff=settings.part_restart_max_backoff)
        ctx = ServiceContext(settings, database, supervisor, metadata, __version__,
                             SshPools(settings, database.db))
        for factory in PART_FACTORIES:
            part = factory(ctx)
            if part is not None:
                supervisor.add(part)
        host, port = settings.api_host_port
        bound = await stack.enter_async_context(open_site(make_app(ctx, ROUTES), host, port))
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
            stack.callback(loop.remove_signal_handler, sig)
        log.info("calipso serving", extra={"version": __version__, "port": bound})
        if on_ready is not None:
            on_ready(ctx, bound)
        await supervisor.run(stop, settings.shutdown_grace)
        log.info("calipso stopping")
    log.info("calipso stopped")
