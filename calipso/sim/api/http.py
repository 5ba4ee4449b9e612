"""The parts every simulated service shares: one middleware, error bodies, JSON, paging.

The middleware applies the run-time faults (latency, then a seeded 5xx), checks the
`X-Auth-Token` of every call that needs one (401 as keystonemiddleware answers it), and
turns `calipso.errors` exceptions and unknown paths into each service's own error body:
Keystone `{"error": {...}}`, Nova `{"itemNotFound": {...}}`, Neutron `{"NeutronError": {...}}`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web

from calipso.errors import ApiRequestError, InvalidInput, NotFound
from calipso.sim.api.state import MOUNT, SERVICE, STATE, ApiState, Token

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Handler)
TOKEN = web.RequestKey("sim_token", Token)  # the checked token of a request
AUTH_MESSAGE = "The request you have made requires authentication."
NOVA_KEYS = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
             405: "notAllowed", 409: "conflictingRequest", 500: "computeFault"}
NEUTRON_CONFLICTS = {"network_id": "NetworkInUse", "subnet_id": "SubnetInUse",
                     "router_id": "RouterInUse", "fixed_ips": "IpAddressAlreadyAllocated",
                     "mac_address": "MacAddressInUse",
                     "provider:segmentation_id": "SegmentationIdInUse", "id": "Conflict"}


def public(handler: H) -> H:
    """Mark a handler that answers without a token (token requests, version documents)."""
    handler.sim_public = True  # type: ignore[attr-defined]
    return handler


def state_of(request: web.Request) -> ApiState:
    return request.app[STATE]


def token_of(request: web.Request) -> Token:
    return request[TOKEN]


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=dumps(data), status=status, headers=headers,
                        content_type="application/json")


async def body_of(request: web.Request, key: str | None = None) -> dict[str, Any]:
    """The JSON object of the request body, or its `key` member; 400 when it is not there."""
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidInput(f"Malformed request body: {err}", field="body") from None
    if key is not None:
        data = data.get(key) if isinstance(data, dict) else None
    if not isinstance(data, dict):
        raise InvalidInput(f"Malformed request body: expected an object {key or ''}".strip(),
                           field=key or "body")
    return data


# ---- error bodies ------------------------------------------------------------------------

def _title(status: int) -> str:
    return {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 409: "Conflict"}.get(status, "Internal Server Error")


def _neutron_type(err: ApiRequestError | None, status: int) -> str:
    if err is None:
        return {404: "HTTPNotFound", 405: "HTTPMethodNotAllowed"}.get(
            status, "HTTPInternalServerError")
    if isinstance(err, NotFound):
        kind = err.message.split(" ", 1)[0].lower()
        return f"{kind.capitalize()}NotFound" if kind in (
            "network", "subnet", "port", "router", "agent") else "NotFound"
    if status == 409:
        return NEUTRON_CONFLICTS.get(err.field or "", "Conflict")
    return {400: "BadRequest", 403: "PolicyNotAuthorized"}.get(status, "HTTPInternalServerError")


def error_response(service: str, status: int, message: str,
                   err: ApiRequestError | None = None, keystone_url: str = "") -> web.Response:
    if status == 401 or service == "keystone":
        body: dict[str, Any] = {"error": {"code": status, "title": _title(status),
                                          "message": message}}
    elif service == "nova":
        body = {NOVA_KEYS.get(status, "computeFault"): {"code": status, "message": message}}
    else:
        body = {"NeutronError": {"type": _neutron_type(err, status), "message": message,
                                 "detail": ""}}
    headers = {"WWW-Authenticate": f'Keystone uri="{keystone_url}"'} if status == 401 else None
    return reply(body, status, headers)


def local_path(request: web.Request) -> str:
    """The request's path below the service's mount (``/v2.1/servers`` of
    ``/compute/v2.1/servers``)."""
    return request.path.removeprefix(request.app.get(MOUNT, ""))


def service_origin(request: web.Request) -> str:
    """Scheme, host, port and mount: where the service's own paths start."""
    return str(request.url.origin()) + request.app.get(MOUNT, "")


# ---- the middleware ----------------------------------------------------------------------

@web.middleware
async def sim_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Faults, then the token check, then the handler; every answer gets a request id."""
    response = await _answer(request, handler)
    response.headers["X-OpenStack-Request-ID"] = f"req-{uuid.uuid4()}"
    return response


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = state_of(request)
    service = request.app[SERVICE]
    is_admin_path = local_path(request).startswith("/sim/")
    state.calls += 1
    if not is_admin_path:
        if state.faults.latency_ms > 0:
            await asyncio.sleep(state.faults.latency_ms / 1000)
        if state.faults.fail_now():
            return error_response(service, 500, "simulated server fault")
    match_error = request.match_info.http_exception
    try:
        if not is_admin_path and not getattr(handler, "sim_public", False):
            if match_error is None or service != "keystone":
                request[TOKEN] = state.tokens.check(request.headers.get("X-Auth-Token"))
        if match_error is not None:
            status = match_error.status
            return error_response(service, status, "The resource could not be found."
                                  if status == 404 else match_error.reason)
        return await handler(request)
    except ApiRequestError as err:
        return error_response(service, err.status, err.message, err,
                              state.urls.get("keystone", ""))


# ---- paging ------------------------------------------------------------------------------

def int_param(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"Invalid {name} parameter: {raw!r}", field=name) from None
    if value < 0:
        raise InvalidInput(f"{name} must be >= 0", field=name)
    return value


def page(ids: Sequence[str], limit: int | None, marker: str | None,
         missing_marker: Callable[..., Exception]) -> tuple[Sequence[str], bool]:
    """The ids after `marker`, at most `limit` of them, and whether more follow.
    An unknown marker raises `missing_marker(message, field=...)`."""
    start = 0
    if marker:
        try:
            start = list(ids).index(marker) + 1
        except ValueError:
            raise missing_marker(f"marker [{marker}] not found", field="marker") from None
    if limit is None:
        return ids[start:], False
    chunk = ids[start:start + limit]
    return chunk, start + limit < len(ids)


def next_link(request: web.Request, limit: int, marker: str) -> str:
    return str(request.url.update_query({"limit": str(limit), "marker": marker}))
