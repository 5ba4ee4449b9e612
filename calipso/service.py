"""``calipso serve``: the composition root that opens resources and runs the parts."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import socket
from collections.abc import Callable

from calipso import __version__
from calipso.api.app import make_app, open_site
from calipso.api.routes import ROUTES
from calipso.db import open_database
from calipso.errors import ConfigError
from calipso.events.manager import EventManager
from calipso.events.metadata import load_events
from calipso.events.services import EventServices
from calipso.monitoring.manager import MonitoringManager
from calipso.scanners.metadata_files import load_metadata
from calipso.scanners.worker import ScanWorker
from calipso.service_context import ServiceContext
from calipso.settings import Settings
from calipso.sources import SshPools
from calipso.supervisor import Part, Supervisor
from calipso.ui.routes import UI_ROUTES
from calipso.webhooks.dispatcher import WebhookDispatcher

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
                           reconcile_interval=ctx.settings.events_reconcile_interval,
                           agent_poll_interval=ctx.settings.events_agent_poll_interval)
    ctx.reports["events"] = manager.status
    return Part("event-manager", manager.run)


def _monitoring(ctx: ServiceContext) -> Part:
    manager = MonitoringManager(ctx.database.db, ctx.settings, ctx.ssh_pools,
                                max_backoff=ctx.settings.part_restart_max_backoff)
    ctx.reports["monitoring"] = manager.status
    return Part("monitoring", manager.run)


def _webhook_dispatcher(ctx: ServiceContext) -> Part:
    return Part("webhooks", WebhookDispatcher(ctx.database.db, ctx.settings).run, drains=True)


# The one registration point of the service's long-lived parts.
PART_FACTORIES: tuple[PartFactory, ...] = (_embedded_watchdog, _scan_worker, _event_manager,
                                           _monitoring, _webhook_dispatcher)


def check_api_port_free(host: str, port: int) -> None:
    """Fail at once if the API's address is taken: the site binds only after the database
    was opened and seeded and the admin password written, too late for a clean refusal.
    (A port taken in between is still refused by ``open_site``.)"""
    if port == 0:
        return
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)
    except socket.gaierror as err:
        raise ConfigError(f"CALIPSO_API_BIND {host}:{port}: {err.strerror}") from None
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds
            try:
                probe.bind(address)
            except OSError as err:
                reason = ("address already in use" if err.errno == errno.EADDRINUSE
                          else err.strerror)
                raise ConfigError(f"CALIPSO_API_BIND {host}:{port}: cannot listen: "
                                  f"{reason}") from None


def _on_signal(sig: signal.Signals, stop: asyncio.Event, grace: float) -> None:
    log.info("stop requested: a running scan gets grace_s seconds to finish, else it goes "
             "back to pending for the next worker", extra={"signal": sig.name, "grace_s": grace})
    stop.set()


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
    host, port = settings.api_host_port
    check_api_port_free(host, port)
    async with contextlib.AsyncExitStack() as stack:
        database = await stack.enter_async_context(open_database(settings))
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
        app = make_app(ctx, ROUTES + UI_ROUTES)
        bound = await stack.enter_async_context(open_site(app, host, port))
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, _on_signal, sig, stop, settings.shutdown_grace)
            stack.callback(loop.remove_signal_handler, sig)
        log.info("calipso serving", extra={"version": __version__, "port": bound})
        if on_ready is not None:
            on_ready(ctx, bound)
        await supervisor.run(stop, settings.shutdown_grace)
        log.info("calipso stopping")
    log.info("calipso stopped")
