"""Serve the simulated Keystone, Nova and Neutron, each on its own port, and record their
URLs in the cloud's catalog (`Cloud.set_endpoint_url`).

`open_api(cloud, options)` is an async context manager yielding an `ApiChannel`:
keystone `http://H:P1` (`/v3`, `/v2.0`), nova `http://H:P2/v2.1`, neutron `http://H:P3`;
with the spec's `endpoints: paths` all three share one port under a path, as behind a web
server: `http://H:P/identity`, `http://H:P/compute/v2.1`, `http://H:P/networking`.
The keystone port also answers the simulator's own admin paths: `GET /sim/truth` (the
truth JSON), `GET /sim/faults` and `PUT /sim/faults` (`{"latency_ms", "error_rate"}`),
`GET /sim/breakage` and `PUT /sim/breakage` (what is broken on the SSH hosts:
`{"pnics_down": [[host, nic]], "dead": [[host, process]], "gone_namespaces": [[host, ns]]}`,
replaced as a whole; `{}` repairs everything). A dead process named as a Neutron agent's
or a Nova service's binary stops its heartbeat: the agent lists `alive: false`, the
service `available: false` (`state: down`), with no notification, as in a real cloud.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from calipso.errors import InvalidInput
from calipso.sim.api import keystone, neutron, nova
from calipso.sim.api.http import body_of, reply, sim_middleware, state_of
from calipso.sim.api.regions import REGION
from calipso.sim.api.state import (
    MOUNT,
    SERVICE,
    STATE,
    ApiOptions,
    ApiState,
    Faults,
    TokenStore,
    TruthProvider,
)
from calipso.sim.cloud import Cloud
from calipso.sim.truth import build_truth

log = logging.getLogger(__name__)
SERVICES = ("keystone", "nova", "neutron")
REGIONAL = ("nova", "neutron")  # served once per region; Keystone is the cloud's
MOUNTS = {"keystone": "/identity", "nova": "/compute", "neutron": "/networking"}
INTERFACES = ("public", "internal", "admin")


@dataclass(slots=True)
class ApiChannel:
    """The served APIs: their URLs, the shared state, and the run-time faults."""

    state: ApiState
    urls: dict[str, str]  # keystone (root), nova (.../v2.1), neutron (root)
    ports: dict[str, int]

    @property
    def keystone_url(self) -> str:
        return self.urls["keystone"]

    @property
    def calls(self) -> int:
        return self.state.calls

    def set_faults(self, *, latency_ms: float | None = None,
                   error_rate: float | None = None) -> None:
        self.state.faults.set(latency_ms=latency_ms, error_rate=error_rate)


# ---- /sim admin paths --------------------------------------------------------------------

async def sim_truth(request: web.Request) -> web.Response:
    data = await state_of(request).truth()
    return web.Response(body=data, content_type="application/json")


def _faults_doc(state: ApiState) -> dict[str, float]:
    return {"latency_ms": state.faults.latency_ms, "error_rate": state.faults.error_rate}


async def sim_faults_get(request: web.Request) -> web.Response:
    return reply(_faults_doc(state_of(request)))


async def sim_faults_put(request: web.Request) -> web.Response:
    state = state_of(request)
    body = await body_of(request)
    try:
        state.faults.set(latency_ms=body.get("latency_ms"), error_rate=body.get("error_rate"))
    except (TypeError, ValueError) as err:
        raise InvalidInput(str(err), field="faults") from None
    return reply(_faults_doc(state))


BREAKAGE_KEYS = ("pnics_down", "dead", "gone_namespaces")


def _breakage_doc(state: ApiState) -> dict[str, list[list[str]]]:
    if state.breakage is None:
        raise InvalidInput("the SSH hosts are not served", field="breakage")
    return {k: sorted([list(e) for e in getattr(state.breakage, k)]) for k in BREAKAGE_KEYS}


async def sim_breakage_get(request: web.Request) -> web.Response:
    return reply(_breakage_doc(state_of(request)))


async def sim_breakage_put(request: web.Request) -> web.Response:
    state = state_of(request)
    body = await body_of(request)
    wanted: dict[str, set[tuple[str, str]]] = {}
    for key in BREAKAGE_KEYS:
        entries = body.get(key, [])
        if not isinstance(entries, list) or not all(
                isinstance(e, list) and len(e) == 2 and all(isinstance(x, str) for x in e)
                for e in entries):
            raise InvalidInput(f"{key}: a list of [host, name] pairs", field=key)
        wanted[key] = {(state.cloud.host(h).name, n) for h, n in entries}
    _breakage_doc(state)
    for key, entries in wanted.items():
        current = getattr(state.breakage, key)
        current.clear()
        current.update(entries)
    assert state.breakage is not None
    state.cloud.set_heartbeats(state.breakage.dead)  # a dead agent stops reporting
    return reply(_breakage_doc(state))


# ---- apps and sites ----------------------------------------------------------------------

def build_app(state: ApiState, service: str, mount: str = "",
              region: str | None = None) -> web.Application:
    app = web.Application(middlewares=[sim_middleware], client_max_size=4 * 1024 * 1024)
    app[STATE] = state
    app[SERVICE] = service
    app[MOUNT] = mount
    if region is not None:  # several regions: this Nova or Neutron serves one of them
        app[REGION] = region
    if service == "keystone":
        keystone.add_routes(app, state.keystone_versions)
        app.router.add_get("/sim/truth", sim_truth)
        app.router.add_get("/sim/faults", sim_faults_get)
        app.router.add_put("/sim/faults", sim_faults_put)
        app.router.add_get("/sim/breakage", sim_breakage_get)
        app.router.add_put("/sim/breakage", sim_breakage_put)
    elif service == "nova":
        nova.add_routes(app)
    else:
        neutron.add_routes(app)
    return app


@asynccontextmanager
async def _serve(app: web.Application, host: str, port: int) -> AsyncIterator[int]:
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, reuse_address=True).start()
        yield runner.addresses[0][1]  # the port the kernel chose for port 0
    finally:
        await runner.cleanup()


def _default_truth(cloud: Cloud) -> TruthProvider:
    async def provider() -> bytes:
        return json.dumps(build_truth(cloud, "sim")).encode()
    return provider


def _record_urls(cloud: Cloud, urls: dict[str, str]) -> None:
    identity = urls["keystone"] + ("/v3" if "v3" in cloud.spec.keystone_versions else "/v2.0")
    for service in SERVICES:
        for interface in INTERFACES:
            cloud.set_endpoint_url(service, interface,
                                   identity if service == "keystone" else urls[service])
    for service, path in (("placement", "/placement"), ("glance", "/image")):
        if service in cloud.catalog:  # not served: listed as a real catalog lists them
            for interface in INTERFACES:
                cloud.set_endpoint_url(service, interface, urls["keystone"] + path)


def _first_region(cloud: Cloud, service: str) -> str | None:
    """The region a service answers for: none (all of the cloud) with a single region."""
    return next(iter(cloud.regions)) if len(cloud.regions) > 1 and service in REGIONAL \
        else None


async def _serve_region(stack: AsyncExitStack, state: ApiState, region: str,
                        front: web.Application | None) -> None:
    """Nova and Neutron of a region after the first (mounted on `front` with paths, else
    each on a free port), recorded in `cloud.region_urls`; glance is listed, not served."""
    cloud, host = state.cloud, state.options.host
    for service in REGIONAL:
        if front is not None:
            url = f"{state.urls['keystone'].rsplit('/', 1)[0]}/{region}{MOUNTS[service]}"
        else:
            port = await stack.enter_async_context(
                _serve(build_app(state, service, region=region), host, 0))
            url = f"http://{host}:{port}"
        cloud.region_urls[(region, service)] = url + ("/v2.1" if service == "nova" else "")
    cloud.region_urls[(region, "glance")] = state.urls["keystone"] + "/image"


@asynccontextmanager
async def open_api(cloud: Cloud, options: ApiOptions | None = None, *,
                   truth: TruthProvider | None = None) -> AsyncIterator[ApiChannel]:
    """Serve the cloud's Keystone, Nova and Neutron until the context exits."""
    options = options or ApiOptions()
    state = ApiState(cloud=cloud, options=options,
                     faults=Faults(options.latency_ms, options.error_rate, options.fault_seed),
                     tokens=TokenStore(options.token_ttl), truth=truth or _default_truth(cloud),
                     keystone_versions=tuple(cloud.spec.keystone_versions))
    wanted = {"keystone": options.keystone_port, "nova": options.nova_port,
              "neutron": options.neutron_port}
    async with AsyncExitStack() as stack:
        ports = {}
        if cloud.spec.endpoints == "paths":
            front = web.Application()
            for service in SERVICES:
                front.add_subapp(MOUNTS[service], build_app(state, service, MOUNTS[service],
                                                            _first_region(cloud, service)))
            for region in list(cloud.regions)[1:]:
                for service in REGIONAL:
                    mount = f"/{region}{MOUNTS[service]}"
                    front.add_subapp(mount, build_app(state, service, mount, region))
            port = await stack.enter_async_context(
                _serve(front, options.host, options.keystone_port))
            ports = dict.fromkeys(SERVICES, port)
            base = {s: f"http://{options.host}:{port}{MOUNTS[s]}" for s in SERVICES}
        else:
            for service in SERVICES:
                app = build_app(state, service, region=_first_region(cloud, service))
                ports[service] = await stack.enter_async_context(
                    _serve(app, options.host, wanted[service]))
            base = {s: f"http://{options.host}:{p}" for s, p in ports.items()}
        urls = {"keystone": base["keystone"], "nova": base["nova"] + "/v2.1",
                "neutron": base["neutron"]}
        state.urls.update(urls)
        _record_urls(cloud, urls)
        for region in list(cloud.regions)[1:]:
            await _serve_region(stack, state, region, front if cloud.spec.endpoints == "paths"
                                else None)
        log.info("sim api serving", extra={"keystone_port": ports["keystone"],
                                           "nova_port": ports["nova"],
                                           "neutron_port": ports["neutron"]})
        yield ApiChannel(state, urls, ports)
