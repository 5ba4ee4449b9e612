"""The aiohttp application: error shape, request logging, health, and the route modules."""

from __future__ import annotations

import contextlib
import errno
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from calipso.api.auth import AUTH, Authenticator
from calipso.api.keys import SERVICE
from calipso.api.lookups import CONSTANTS, Constants
from calipso.api.operations import PRINCIPAL, Role, operation_of
from calipso.api.query import COUNTS, CountCoalescer
from calipso.errors import ApiRequestError, ConfigError, Forbidden, Unauthorized
from calipso.service_context import ServiceContext

log = logging.getLogger(__name__)
access_log = logging.getLogger("calipso.api.access")

SITE_SHUTDOWN_TIMEOUT = 1.5
# Long enough for every documented query parameter at its longest, percent-encoded.
MAX_REQUEST_LINE = 256 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(status: int, title: str, message: str, field: str | None = None
                   ) -> web.Response:
    body: dict[str, object] = {"code": status, "title": title, "message": message}
    if field is not None:
        body["field"] = field
    return web.json_response({"error": body}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiRequestError as err:
        return error_response(err.status, err.title, err.message, err.field)
    except web.HTTPException as err:
        if err.status < 400:
            raise
        return error_response(err.status, err.reason, err.text or err.reason)
    except Exception:
        log.exception("request failed", extra={"method": request.method, "path": request.path})
        return error_response(500, "Internal Server Error", "unexpected error; see the log")


@web.middleware
async def access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    response = await handler(request)
    access_log.info("request", extra={
        "method": request.method, "path": request.path, "status": response.status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
    })
    return response


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every matched route but /health needs a caller whose role covers the operation's."""
    if request.match_info.http_exception is not None or request.path == "/health":
        return await handler(request)
    op = operation_of(request)
    needed = op.role if op is not None else Role.VIEWER
    if needed is not Role.PUBLIC:
        try:
            principal = await request.app[AUTH].authenticate(request)
        except Unauthorized as err:
            response = error_response(err.status, err.title, err.message)
            response.headers["WWW-Authenticate"] = 'Basic realm="calipso"'
            return response
        if not principal.may(needed):
            raise Forbidden(f"this needs the {needed} role; {principal.name} is "
                            f"{principal.role}")
        request[PRINCIPAL] = principal
    return await handler(request)


async def health(request: web.Request) -> web.Response:
    ctx = request.app[SERVICE]
    database = ctx.database
    reachable = await database.ping()
    db_doc: dict[str, object] = {"reachable": reachable, "embedded": database.embedded is not None}
    if database.embedded is not None:
        db_doc.update(
            server_running=database.embedded.running,
            server_pid=database.embedded.pid,
            server_restarts=database.embedded.restarts,
        )
    parts = {"api": {"status": "running"}} | {
        name: state.to_doc() for name, state in ctx.supervisor.states.items()
    }
    body = {
        "status": "ok" if reachable else "degraded",
        "version": ctx.version,
        "uptime_s": round(time.time() - ctx.started_at, 1),
        "database": db_doc,
        "parts": parts,
    } | {name: report() for name, report in ctx.reports.items()}
    return web.json_response(body, status=200 if reachable else 503)


# Route modules add themselves here: each is ``setup(app)`` adding its routes.
RouteSetup = Callable[[web.Application], None]


def make_app(ctx: ServiceContext, extra: tuple[RouteSetup, ...] = ()) -> web.Application:
    app = web.Application(middlewares=[access_middleware, error_middleware, auth_middleware],
                          client_max_size=4 * 1024 * 1024)
    app[SERVICE] = ctx
    app[AUTH] = Authenticator(ctx.settings, ctx.database.db)
    app[CONSTANTS] = Constants(ctx.database.db)
    app[COUNTS] = CountCoalescer()
    app.cleanup_ctx.append(_auth_setup)
    app.router.add_get("/health", health)
    for setup in extra:
        setup(app)
    return app


async def _auth_setup(app: web.Application) -> AsyncIterator[None]:
    await app[AUTH].ensure_admin()
    yield


@contextlib.asynccontextmanager
async def open_site(app: web.Application, host: str, port: int) -> AsyncIterator[int]:
    """Serve ``app`` on host:port; yields the bound port. A taken port is one clear error."""
    runner = web.AppRunner(
        app, access_log=None, shutdown_timeout=SITE_SHUTDOWN_TIMEOUT, handle_signals=False,
        max_line_size=MAX_REQUEST_LINE,
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as err:
        await runner.cleanup()
        reason = "address already in use" if err.errno == errno.EADDRINUSE else err.strerror
        raise ConfigError(f"CALIPSO_API_BIND {host}:{port}: cannot listen: {reason}") from None
    bound = runner.addresses[0][1] if runner.addresses else port
    log.info("HTTP API listening", extra={"host": host, "port": bound})
    try:
        yield int(bound)
    finally:
        await runner.cleanup()
