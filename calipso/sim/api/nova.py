"""Simulated Nova (compute API v2.1, with the legacy `/v2/<project>` and
`/v2.1/<project>` prefixes): zones, hypervisors, servers (paged, create, delete),
aggregates, flavors, services. Microversions come from `OpenStack-API-Version: compute X.Y`
(or `X-OpenStack-Nova-API-Version`), from 2.1 to 2.96 and `latest`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from calipso.errors import Forbidden, InvalidInput, NotFound
from calipso.sim.api import nova_views as views
from calipso.sim.api.http import (
    Handler,
    body_of,
    int_param,
    local_path,
    next_link,
    page,
    public,
    reply,
    service_origin,
    state_of,
    token_of,
)
from calipso.sim.api.nova_views import Version
from calipso.sim.api.regions import cloud_of
from calipso.sim.cloud import Cloud
from calipso.sim.model import Host, Instance

MIN_VERSION: Version = (2, 1)
MAX_VERSION: Version = (2, 96)
PROJECT = "{project_id:[0-9a-f]{32}}"
PREFIXES = ("/v2.1", f"/v2.1/{PROJECT}", f"/v2/{PROJECT}")


@dataclass(frozen=True, slots=True)
class Ctx:
    """What a Nova handler needs from its request: version, URL bases, the caller."""

    mv: Version
    base: str  # http://host:port/v2.1[/project]
    bookmark: str  # http://host:port[/project]
    admin: bool
    project_id: str


def microversion(request: web.Request) -> Version:
    if local_path(request).startswith("/v2/"):
        return MIN_VERSION
    raw = request.headers.get("OpenStack-API-Version", "")
    match = re.search(r"compute\s+(\S+)", raw)
    value = match.group(1) if match else request.headers.get("X-OpenStack-Nova-API-Version")
    if not value:
        return MIN_VERSION
    if value == "latest":
        return MAX_VERSION
    found = re.fullmatch(r"(\d+)\.(\d+)", value)
    if not found:
        raise InvalidInput(f"Invalid API version request string {value}", field="microversion")
    version = (int(found.group(1)), int(found.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise InvalidInput(f"Version {value} is not supported by the API. Minimum is "
                           "2.1 and maximum is 2.96.", field="microversion")
    return version


def ctx_of(request: web.Request) -> Ctx:
    token = token_of(request)
    origin = service_origin(request)
    version = local_path(request).split("/", 2)[1]
    project = request.match_info.get("project_id")
    base = f"{origin}/{version}" + (f"/{project}" if project else "")
    bookmark = origin + (f"/{project}" if project else "")
    return Ctx(microversion(request), base, bookmark, token.is_admin,
               token.project.id if token.project else "")


def answer(ctx: Ctx, data: Any, status: int = 200) -> web.Response:
    text = f"{ctx.mv[0]}.{ctx.mv[1]}"
    return reply(data, status, {"OpenStack-API-Version": f"compute {text}",
                                "X-OpenStack-Nova-API-Version": text,
                                "Vary": "OpenStack-API-Version, X-OpenStack-Nova-API-Version"})


def _cloud(request: web.Request) -> Cloud:
    return cloud_of(request)  # with several regions: this Nova's region


def _require_admin(ctx: Ctx, action: str) -> None:
    if not ctx.admin:
        raise Forbidden(f"Policy doesn't allow os_compute_api:{action} to be performed.")


# ---- zones, services ---------------------------------------------------------------------

async def zones_detail(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    _require_admin(ctx, "os-availability-zone:detail")
    return answer(ctx, {"availabilityZoneInfo": views.zones_detail(_cloud(request))})


async def zones(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    return answer(ctx, {"availabilityZoneInfo": [
        {"zoneName": z["zoneName"], "zoneState": z["zoneState"], "hosts": None}
        for z in views.zones_detail(_cloud(request)) if z["zoneName"] != "internal"]})


async def os_services(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    _require_admin(ctx, "os-services:list")
    host, binary = request.query.get("host"), request.query.get("binary")
    cloud = _cloud(request)
    return answer(ctx, {"services": [
        views.service_view(cloud, i, h, b, ctx.mv) for i, h, b in views.services(cloud)
        if host in (None, h.name) and binary in (None, b)]})


async def os_service_update(request: web.Request) -> web.Response:
    """2.53+: `PUT /os-services/{uuid}` with `status`, `disabled_reason`, `forced_down`.
    Before: `PUT /os-services/{disable,enable,disable-log-reason,force-down}` naming
    `host` and `binary`. Each change publishes Nova's versioned `service.update`."""
    ctx = ctx_of(request)
    _require_admin(ctx, "os-services:update")
    cloud = _cloud(request)
    body = await body_of(request)
    action = request.match_info["service_id"]
    if ctx.mv >= (2, 53):
        found = [(h, b) for _, h, b in views.services(cloud)
                 if views.service_uuid(h, b) == action]
        if not found:
            raise NotFound(f"Service {action} not found.", field="service_id")
        host, binary = found[0][0].name, found[0][1]
        status = body.get("status")
        if status not in (None, "enabled", "disabled"):
            raise InvalidInput("status: 'enabled' or 'disabled'", field="status")
        forced = body.get("forced_down")
        if forced is not None and not isinstance(forced, bool):
            raise InvalidInput("forced_down: a boolean", field="forced_down")
        changes: dict[str, Any] = {"forced_down": forced}
        if status is not None:
            changes["disabled"] = status == "disabled"
        if "disabled_reason" in body:
            changes["disabled_reason"] = body["disabled_reason"]
    else:
        legacy = {"disable": {"disabled": True}, "enable": {"disabled": False},
                  "disable-log-reason": {"disabled": True,
                                         "disabled_reason": body.get("disabled_reason")},
                  "force-down": {"forced_down": body.get("forced_down")}}
        if action not in legacy or not isinstance(body.get("forced_down", False), bool):
            raise InvalidInput(f"Unknown action {action}", field="service_id")
        host = cloud.host(str(body.get("host", ""))).name
        binary, changes = str(body.get("binary", "")), legacy[action]
    state = cloud.update_service(host, binary, **changes)
    for i, h, b in views.services(cloud):
        if h.name == state.host and b == state.binary:
            return answer(ctx, {"service": views.service_view(cloud, i, h, b, ctx.mv)})
    raise NotFound(f"Service {action} not found.", field="service_id")


# ---- hypervisors -------------------------------------------------------------------------

def _computes(cloud: Cloud, pattern: str | None) -> list[Host]:
    return [h for h in cloud.compute_hosts() if not pattern or pattern in h.hypervisor_hostname]


def _hypervisor_list(request: web.Request, detail: bool) -> web.Response:
    ctx = ctx_of(request)
    _require_admin(ctx, "os-hypervisors:list")
    cloud = _cloud(request)
    hosts = _computes(cloud, request.query.get("hypervisor_hostname_pattern")
                      if ctx.mv >= (2, 53) else None)
    with_servers = ctx.mv >= (2, 53) and request.query.get("with_servers", "").lower() in (
        "1", "true", "yes")
    out: dict[str, Any] = {}
    if ctx.mv >= (2, 33):
        limit, marker = int_param(request, "limit"), request.query.get("marker")
        by_id = {str(views.hypervisor_id(h, ctx.mv)): h for h in hosts}
        chunk, more = page(list(by_id), limit, marker, InvalidInput)
        hosts = [by_id[i] for i in chunk]
        if more and limit:
            out["hypervisors_links"] = [{"href": next_link(request, limit, chunk[-1]),
                                         "rel": "next"}]
    service_ids = views.compute_service_ids(cloud)
    items = []
    for host in hosts:
        item = (views.hypervisor_detail(cloud, host, service_ids[host.name], ctx.mv) if detail
                else views.hypervisor_summary(host, ctx.mv))
        if with_servers:
            item["servers"] = views.hypervisor_servers(cloud, host)
        items.append(item)
    return answer(ctx, {"hypervisors": items, **out})


async def hypervisors(request: web.Request) -> web.Response:
    return _hypervisor_list(request, detail=False)


async def hypervisors_detail(request: web.Request) -> web.Response:
    return _hypervisor_list(request, detail=True)


async def hypervisor_show(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    _require_admin(ctx, "os-hypervisors:show")
    cloud, ident = _cloud(request), request.match_info["hypervisor"]
    for host in cloud.compute_hosts():
        if ident == str(views.hypervisor_id(host, ctx.mv)):
            sid = views.compute_service_ids(cloud)[host.name]
            return answer(ctx, {"hypervisor": views.hypervisor_detail(cloud, host, sid, ctx.mv)})
    raise NotFound(f"Hypervisor with ID {ident} could not be found.")


async def hypervisor_servers(request: web.Request) -> web.Response:
    """`os-hypervisors/{pattern}/servers` (before 2.53): every matching hypervisor; the
    `servers` key is left out where there are none, as Nova does."""
    ctx = ctx_of(request)
    _require_admin(ctx, "os-hypervisors:servers")
    pattern = request.match_info["hypervisor"]
    if ctx.mv >= (2, 53):
        raise NotFound("The resource could not be found.")
    cloud = _cloud(request)
    hosts = _computes(cloud, pattern)
    if not hosts:
        raise NotFound(f"No hypervisor matching '{pattern}' could be found.")
    items = []
    for host in hosts:
        item: dict[str, Any] = views.hypervisor_summary(host, ctx.mv)
        servers = views.hypervisor_servers(cloud, host)
        if servers:
            item["servers"] = servers
        items.append(item)
    return answer(ctx, {"hypervisors": items})


# ---- flavors, aggregates -----------------------------------------------------------------

async def flavors(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    detail = local_path(request).endswith("/detail")
    items = []
    for flavor_id in _cloud(request).flavors:
        view = views.flavor_view(_cloud(request), flavor_id, ctx.base, ctx.bookmark)
        items.append(view if detail else {k: view[k] for k in ("id", "links", "name")})
    return answer(ctx, {"flavors": items})


async def flavor_show(request: web.Request) -> web.Response:
    ctx, cloud = ctx_of(request), _cloud(request)
    flavor_id = request.match_info["flavor_id"]
    if flavor_id not in cloud.flavors:
        raise NotFound(f"Flavor {flavor_id} could not be found.")
    return answer(ctx, {"flavor": views.flavor_view(cloud, flavor_id, ctx.base, ctx.bookmark)})


async def aggregates(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    _require_admin(ctx, "os-aggregates:index")
    cloud = _cloud(request)
    return answer(ctx, {"aggregates": [views.aggregate_view(cloud, i, ctx.mv)
                                       for i in cloud.aggregates]})


# ---- servers -----------------------------------------------------------------------------

def _visible(ctx: Ctx, request: web.Request, cloud: Cloud) -> list[Instance]:
    q = request.query
    all_tenants = q.get("all_tenants", "").lower() not in ("", "0", "false", "no")
    if all_tenants:
        _require_admin(ctx, "servers:detail:get_all_tenants")
    project = (q.get("project_id") or q.get("tenant_id")) if all_tenants else ctx.project_id
    host = q.get("host") if ctx.admin else None
    name = re.compile(q["name"]) if q.get("name") else None
    status = q.get("status", "").upper() or None
    if host:
        pool = cloud.instances_on_host(host)
    else:
        pool = list(cloud.instances.values())
    return [i for i in reversed(pool)
            if (project is None or i.project_id == project)
            and (name is None or name.search(i.name))
            and (status is None or i.status == status)]


def _server_list(request: web.Request, detail: bool) -> web.Response:
    ctx, cloud = ctx_of(request), _cloud(request)
    found = _visible(ctx, request, cloud)
    max_limit = state_of(request).options.nova_max_limit
    limit = min(int_param(request, "limit") or max_limit, max_limit)
    by_id = {i.uuid: i for i in found}
    chunk, _ = page(list(by_id), limit, request.query.get("marker"), InvalidInput)
    items = [views.server_view(cloud, by_id[u], base=ctx.base, bookmark=ctx.bookmark,
                               mv=ctx.mv, admin=ctx.admin) if detail
             else views.server_brief(by_id[u], ctx.base, ctx.bookmark) for u in chunk]
    out: dict[str, Any] = {"servers": items}
    if len(chunk) == limit and chunk:  # Nova links a next page whenever a page is full
        out["servers_links"] = [{"href": next_link(request, limit, chunk[-1]), "rel": "next"}]
    return answer(ctx, out)


async def servers(request: web.Request) -> web.Response:
    return _server_list(request, detail=False)


async def servers_detail(request: web.Request) -> web.Response:
    return _server_list(request, detail=True)


def _owned(ctx: Ctx, cloud: Cloud, server_id: str) -> Instance:
    inst = cloud.instances.get(server_id)
    if inst is None or not (ctx.admin or inst.project_id == ctx.project_id):
        raise NotFound(f"Instance {server_id} could not be found.")
    return inst


async def server_show(request: web.Request) -> web.Response:
    ctx, cloud = ctx_of(request), _cloud(request)
    inst = _owned(ctx, cloud, request.match_info["server_id"])
    return answer(ctx, {"server": views.server_view(
        cloud, inst, base=ctx.base, bookmark=ctx.bookmark, mv=ctx.mv, admin=ctx.admin)})


def _ref_id(value: Any) -> str:
    return str(value or "").rstrip("/").rsplit("/", 1)[-1]


def _boot_host(cloud: Cloud, zone_spec: str | None) -> str | None:
    """`availability_zone` of a boot: `zone`, `zone:host` or `zone:host:node`."""
    if not zone_spec:
        return None
    zone, _, rest = zone_spec.partition(":")
    host = rest.split(":", 1)[0]
    if host:
        if host not in cloud.hosts or not cloud.hosts[host].is_compute:
            raise InvalidInput(f"Compute host {host} could not be found.", field="host")
        return host
    computes = [h for h in cloud.compute_hosts() if h.availability_zone == zone]
    if not computes:
        raise InvalidInput("The requested availability zone is not available",
                           field="availability_zone")
    return min(computes, key=lambda h: (len(cloud.instances_on_host(h.name)), h.index)).name


def _boot_networks(cloud: Cloud, project_id: str, networks: Any) -> list[str]:
    if networks == "auto":
        owned = [n.id for n in cloud.networks.values()
                 if n.project_id == project_id and n.subnet_ids and not n.external]
        if not owned:
            raise InvalidInput("Unable to automatically allocate a network for project",
                               field="networks")
        return owned[:1]
    if not isinstance(networks, list) or not networks:
        raise InvalidInput("Invalid input for field/attribute networks.", field="networks")
    ids = []
    for entry in networks:
        if not isinstance(entry, dict) or not entry.get("uuid"):
            raise InvalidInput("The simulator boots on networks only ({\"uuid\": ...})",
                               field="networks")
        if entry["uuid"] not in cloud.networks:
            raise InvalidInput(f"Network {entry['uuid']} could not be found.", field="networks")
        ids.append(entry["uuid"])
    return ids


async def server_create(request: web.Request) -> web.Response:
    ctx, cloud = ctx_of(request), _cloud(request)
    body = await body_of(request, "server")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("Invalid input for field/attribute name.", field="name")
    flavor_id = _ref_id(body.get("flavorRef"))
    if flavor_id not in cloud.flavors:
        raise InvalidInput(f"Flavor {flavor_id} could not be found.", field="flavorRef")
    image_id = _ref_id(body.get("imageRef")) or next(iter(cloud.images))
    if image_id not in cloud.images:
        raise InvalidInput(f"Image {image_id} could not be found.", field="imageRef")
    if not ctx.project_id:
        raise Forbidden("A project-scoped token is needed to boot a server.")
    nets = _boot_networks(cloud, ctx.project_id, body.get("networks"))
    host = _boot_host(cloud, body.get("availability_zone"))
    inst = cloud.create_instance(name, ctx.project_id, nets, host=host, flavor_id=flavor_id,
                                 image_id=image_id, user_id=token_of(request).user.id)
    view = views.server_brief(inst, ctx.base, ctx.bookmark)
    server = {"id": inst.uuid, "links": view["links"], "OS-DCF:diskConfig": "MANUAL",
              "security_groups": [{"name": "default"}],
              "adminPass": secrets.token_urlsafe(9)}
    resp = answer(ctx, {"server": server}, 202)
    resp.headers["Location"] = view["links"][0]["href"]
    return resp


async def server_delete(request: web.Request) -> web.Response:
    ctx, cloud = ctx_of(request), _cloud(request)
    inst = _owned(ctx, cloud, request.match_info["server_id"])
    cloud.delete_instance(inst.uuid)
    return web.Response(status=204)


async def server_update(request: web.Request) -> web.Response:
    ctx, cloud = ctx_of(request), _cloud(request)
    inst = _owned(ctx, cloud, request.match_info["server_id"])
    body = await body_of(request, "server")
    name = body.get("name")
    if not isinstance(name, str):
        raise InvalidInput("Invalid input for field/attribute name.", field="name")
    inst = cloud.rename_instance(inst.uuid, name)
    return answer(ctx, {"server": views.server_brief(inst, ctx.base, ctx.bookmark)})


def _migrate_live(cloud: Cloud, inst: Instance, body: Any) -> None:
    """`os-migrateLive`: `{"host": name or null, "block_migration": "auto" or bool}`."""
    if not isinstance(body, dict) or "block_migration" not in body:
        raise InvalidInput("Invalid input for field/attribute os-migrateLive: "
                           "'block_migration' is a required property", field="block_migration")
    host = body.get("host")
    if host is not None and not isinstance(host, str):
        raise InvalidInput("Invalid input for field/attribute host.", field="host")
    cloud.live_migrate_instance(inst.uuid, host)


def _migrate(cloud: Cloud, inst: Instance, body: Any) -> None:
    """`migrate` (cold): `null`, or `{"host": name}` (microversion 2.56)."""
    if body is not None and not isinstance(body, dict):
        raise InvalidInput("Invalid input for field/attribute migrate.", field="migrate")
    host = (body or {}).get("host")
    if host is not None and not isinstance(host, str):
        raise InvalidInput("Invalid input for field/attribute host.", field="host")
    cloud.migrate_instance(inst.uuid, host)


ACTIONS = ("os-start", "os-stop", "os-migrateLive", "migrate", "confirmResize")


async def server_action(request: web.Request) -> web.Response:
    """`os-start`, `os-stop`, `os-migrateLive`, `migrate` and `confirmResize` (the
    actions the simulator models; the migrations need an admin token)."""
    ctx, cloud = ctx_of(request), _cloud(request)
    inst = _owned(ctx, cloud, request.match_info["server_id"])
    body = await body_of(request)
    action = next(iter(body)) if len(body) == 1 else None
    if action not in ACTIONS:
        raise InvalidInput(f"Invalid action: expected one of {', '.join(ACTIONS)}.",
                           field="action")
    if action == "os-migrateLive":
        _require_admin(ctx, "os-migrate-server:migrate_live")
        _migrate_live(cloud, inst, body[action])
    elif action == "migrate":
        _require_admin(ctx, "os-migrate-server:migrate")
        _migrate(cloud, inst, body[action])
    elif action == "confirmResize":
        cloud.confirm_resize(inst.uuid)
    else:
        cloud.set_instance_power(inst.uuid, action == "os-start")
    return web.Response(status=202)


# ---- versions and routes -----------------------------------------------------------------

@public
async def versions(request: web.Request) -> web.Response:
    origin = service_origin(request)
    return reply({"versions": [
        {"id": "v2.0", "status": "DEPRECATED", "version": "", "min_version": "",
         "updated": "2025-07-04T12:00:00Z", "links": [{"rel": "self", "href": f"{origin}/v2/"}]},
        {"id": "v2.1", "status": "CURRENT", "version": "2.96", "min_version": "2.1",
         "updated": "2013-07-23T11:33:21Z",
         "links": [{"rel": "self", "href": f"{origin}/v2.1/"}]}]})


ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/os-availability-zone/detail", zones_detail),
    ("GET", "/os-availability-zone", zones),
    ("GET", "/os-services", os_services),
    ("PUT", "/os-services/{service_id}", os_service_update),
    ("GET", "/os-hypervisors/detail", hypervisors_detail),
    ("GET", "/os-hypervisors", hypervisors),
    ("GET", "/os-hypervisors/{hypervisor}/servers", hypervisor_servers),
    ("GET", "/os-hypervisors/{hypervisor}", hypervisor_show),
    ("GET", "/flavors/detail", flavors),
    ("GET", "/flavors", flavors),
    ("GET", "/flavors/{flavor_id}", flavor_show),
    ("GET", "/os-aggregates", aggregates),
    ("GET", "/servers/detail", servers_detail),
    ("GET", "/servers", servers),
    ("POST", "/servers", server_create),
    ("GET", "/servers/{server_id}", server_show),
    ("PUT", "/servers/{server_id}", server_update),
    ("POST", "/servers/{server_id}/action", server_action),
    ("DELETE", "/servers/{server_id}", server_delete),
)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", versions)
    for prefix in PREFIXES:
        for method, path, handler in ROUTES:
            app.router.add_route(method, prefix + path, handler)
