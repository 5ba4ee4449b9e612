"""The aiohttp application: error shape, request logging, authentication, ``/health`` and
the route modules."""

from __future__ import annotations

import contextlib
import errno
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from calipso.api import health
from calipso.api.auth import AUTH, Authenticator
from calipso.api.keys import SERVICE
from calipso.api.lookups import CONSTANTS, Constants
from calipso.api.operations import PRINCIPAL, Role, operation_of
from calipso.api.query import COUNTS, CountCoalescer
from calipso.errors import ApiRequestError, ConfigError, Forbidden, Unauthorized
from calipso.inventory import change_origin
from calipso.metrics import API_SECONDS
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
        if isinstance(err, web.HTTPMethodNotAllowed):
            allowed = ", ".join(sorted(err.allowed_methods))
            response = error_response(405, err.reason,
                                      f"{request.method} is not allowed here; use {allowed}")
            response.headers["Allow"] = allowed  # RFC 9110 requires it on a 405
            return response
        return error_response(err.status, err.reason, err.text or err.reason)
    except Exception:
        log.exception("request failed", extra={"method": request.method, "path": request.path})
        return error_response(500, "Internal Server Error", "unexpected error; see the log")


@web.middleware
async def access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    response = await handler(request)
    resource = request.match_info.route.resource
    API_SECONDS.labels(request.method, resource.canonical if resource else "unmatched",
                       response.status).observe(time.perf_counter() - started)
    access_log.info("request", extra={
        "method": request.method, "path": request.path, "status": response.status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
    })
    return response


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every matched route but the public ones (/health, /auth/tokens) needs a caller whose
    role covers the operation's."""
    if request.match_info.http_exception is not None:
        return await handler(request)
    op = operation_of(request)
    needed = op.role if op is not None else Role.VIEWER
    if needed is not Role.PUBLIC:
        try:
            principal = await request.app[AUTH].authenticate(request)
        except Unauthorized as err:
            response = error_response(err.status, err.title, err.message)
            response.headers["WWW-Authenticate"] = 'Basic realm="calipso", Bearer realm="calipso"'
            return response
        if not principal.may(needed):
            raise Forbidden(f"this needs the {needed} role; {principal.name} is "
                            f"{principal.role}")
        request[PRINCIPAL] = principal
        with change_origin("api", user=principal.name):  # what it writes is history by it
            return await handler(request)
    return await handler(request)


# Route modules add themselves here: each is ``setup(app)`` adding its routes.
RouteSetup = Callable[[web.Application], None]


def make_app(ctx: ServiceContext, extra: tuple[RouteSetup, ...] = ()) -> web.Application:
    app = web.Application(middlewares=[access_middleware, error_middleware, auth_middleware],
                          client_max_size=4 * 1024 * 1024)
    app[SERVICE] = ctx
    app[AUTH] = Authenticator(ctx.settings, ctx.database.db)
    tree = ctx.metadata.scanners.scanners.values()
    app[CONSTANTS] = Constants(ctx.database.db,
                               tree_types={entry.type for entries in tree for entry in entries})
    app[COUNTS] = CountCoalescer()
    app.cleanup_ctx.append(_auth_setup)
    health.setup(app)
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
