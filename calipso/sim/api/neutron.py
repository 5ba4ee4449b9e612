"""Simulated Neutron (`/v2.0/...`): networks, subnets, ports, routers, agents, security
groups, floating IPs.

Reads (filters, `fields`, paging, show) are in `neutron_lists`. Creates, updates and
deletes go through the cloud's mutations, so every channel and the truth see them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from aiohttp import web

from calipso.errors import InvalidInput, NotFound
from calipso.sim.api import neutron_views as views
from calipso.sim.api.http import (
    body_of,
    public,
    reply,
    service_origin,
    state_of,
    token_of,
)
from calipso.sim.api.neutron_lists import (
    RESOURCES,
    list_handler,
    not_found,
    show_handler,
    table_of,
)
from calipso.sim.api.regions import REGION
from calipso.sim.cloud import Cloud
from calipso.sim.model import OWNER_ROUTER_INTERFACE

# ---- mutations ---------------------------------------------------------------------------

def _check_keys(body: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise InvalidInput(f"Unrecognized attribute(s) '{', '.join(extra)}'", field=extra[0])


def _project(request: web.Request, body: dict[str, Any]) -> str:
    token = token_of(request)
    project = body.get("project_id") or body.get("tenant_id")
    if project and token.is_admin:
        return str(project)
    return token.project.id if token.project else ""


def _bool(body: dict[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise InvalidInput(f"Invalid input for {key}. Reason: '{value}' is not a valid boolean",
                           field=key)
    return value


NET_KEYS = {"name", "project_id", "tenant_id", "shared", "router:external", "admin_state_up",
            "provider:network_type", "provider:physical_network", "provider:segmentation_id",
            "mtu", "description"}


async def network_create(request: web.Request) -> web.Response:
    cloud = state_of(request).cloud
    body = await body_of(request, "network")
    _check_keys(body, NET_KEYS)
    seg = body.get("provider:segmentation_id")
    if seg is not None and not isinstance(seg, int):
        raise InvalidInput("provider:segmentation_id must be an integer",
                           field="provider:segmentation_id")
    net = cloud.create_network(
        str(body.get("name", "")), _project(request, body), body.get("provider:network_type"),
        shared=_bool(body, "shared", False), external=_bool(body, "router:external", False),
        physnet=body.get("provider:physical_network"), segmentation_id=seg,
        mtu=body.get("mtu"), region=request.app.get(REGION))
    return reply({"network": views.network_view(cloud, net)}, 201)


async def network_update(request: web.Request) -> web.Response:
    cloud = state_of(request).cloud
    net = cloud.network(request.match_info["id"])
    body = await body_of(request, "network")
    _check_keys(body, {"name", "admin_state_up", "shared"})
    net = cloud.update_network(net.id, **body)
    return reply({"network": views.network_view(cloud, net)})


SUBNET_KEYS = {"network_id", "cidr", "ip_version", "name", "enable_dhcp", "gateway_ip",
               "project_id", "tenant_id", "description"}


async def subnet_create(request: web.Request) -> web.Response:
    cloud = state_of(request).cloud
    body = await body_of(request, "subnet")
    _check_keys(body, SUBNET_KEYS)
    for key in ("network_id", "cidr"):
        if not isinstance(body.get(key), str):
            raise InvalidInput(f"Invalid input for operation: {key} is required", field=key)
    if body.get("ip_version", 4) != 4:
        raise InvalidInput("The simulator serves IPv4 subnets only", field="ip_version")
    if body["network_id"] not in cloud.networks:
        raise not_found(RESOURCES["networks"], body["network_id"])
    sub = cloud.create_subnet(body["network_id"], body["cidr"], str(body.get("name", "")),
                              enable_dhcp=_bool(body, "enable_dhcp", True),
                              gateway_ip=body.get("gateway_ip", "auto"))
    return reply({"subnet": views.subnet_view(cloud, sub)}, 201)


async def subnet_update(request: web.Request) -> web.Response:
    cloud = state_of(request).cloud
    sub = cloud.subnet(request.match_info["id"])
    body = await body_of(request, "subnet")
    _check_keys(body, {"name", "gateway_ip", "enable_dhcp", "allocation_pools",
                       "dns_nameservers"})
    sub = cloud.update_subnet(sub.id, **body)
    return reply({"subnet": views.subnet_view(cloud, sub)})


PORT_KEYS = {"network_id", "name", "device_id", "device_owner", "binding:host_id", "fixed_ips",
             "mac_address", "project_id", "tenant_id", "admin_state_up", "description"}


def _port_ips(cloud: Cloud, network_id: str, raw: Any) -> list[tuple[str, str | None]] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise InvalidInput("Invalid input for fixed_ips", field="fixed_ips")
    out: list[tuple[str, str | None]] = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise InvalidInput("Invalid input for fixed_ips", field="fixed_ips")
        subnet_id, ip = entry.get("subnet_id"), entry.get("ip_address")
        if subnet_id is None and ip is not None:
            subnet_id = next((s.id for s in cloud.subnets_of(network_id)
                              if ipaddress.ip_address(ip) in ipaddress.ip_network(s.cidr)), None)
        if subnet_id is None:
            raise InvalidInput(f"No subnet on network {network_id} for {entry}",
                               field="fixed_ips")
        out.append((subnet_id, ip))
    return out


async def port_create(request: web.Request) -> web.Response:
    cloud = state_of(request).cloud
    body = await body_of(request, "port")
    _check_keys(body, PORT_KEYS)
    net_id = body.get("network_id")
    if not isinstance(net_id, str):
        raise InvalidInput("Invalid input for operation: network_id is required",
                           field="network_id")
    if net_id not in cloud.networks:
        raise not_found(RESOURCES["networks"], net_id)
    port = cloud.create_port(
        net_id, device_owner=str(body.get("device_owner", "")),
        device_id=str(body.get("device_id", "")), host=str(body.get("binding:host_id", "")),
        name=str(body.get("name", "")), project_id=_project(request, body) or None,
        fixed_ips=_port_ips(cloud, net_id, body.get("fixed_ips")), mac=body.get("mac_address"))
    return reply({"port": views.port_view(cloud, port)}, 201)


async def port_update(request: web.Request) -> web.Response:
    """A new name, or binding an unbound port (`binding:host_id`, with device owner
    and id)."""
    cloud = state_of(request).cloud
    port = cloud.port(request.match_info["id"])
    body = await body_of(request, "port")
    _check_keys(body, {"binding:host_id", "device_owner", "device_id", "name"})
    if set(body) == {"name"} and isinstance(body["name"], str):
        return reply({"port": views.port_view(cloud, cloud.rename_port(port.id, body["name"]))})
    host = body.get("binding:host_id")
    if not host:
        raise InvalidInput("The simulator updates a port's name, or binding:host_id",
                           field="binding:host_id")
    port = cloud.bind_port(port.id, str(host), str(body.get("device_owner")
                                                   or port.device_owner or "compute:nova"),
                           str(body.get("device_id", "")))
    return reply({"port": views.port_view(cloud, port)})


ROUTER_KEYS = {"name", "project_id", "tenant_id", "external_gateway_info", "admin_state_up",
               "description"}


def _gateway_network(info: Any) -> str | None:
    if info is None or info == {}:
        return None
    if not isinstance(info, dict) or not isinstance(info.get("network_id"), str):
        raise InvalidInput("Invalid input for external_gateway_info",
                           field="external_gateway_info")
    return info["network_id"]


async def router_create(request: web.Request) -> web.Response:
    cloud = state_of(request).cloud
    body = await body_of(request, "router")
    _check_keys(body, ROUTER_KEYS)
    gw = _gateway_network(body.get("external_gateway_info"))
    if gw is not None and gw not in cloud.networks:
        raise not_found(RESOURCES["networks"], gw)
    router = cloud.create_router(str(body.get("name", "")), _project(request, body),
                                 external_network_id=gw, region=request.app.get(REGION))
    return reply({"router": views.router_view(cloud, router)}, 201)


async def router_update(request: web.Request) -> web.Response:
    cloud = state_of(request).cloud
    router = cloud.router(request.match_info["id"])
    body = await body_of(request, "router")
    _check_keys(body, {"external_gateway_info", "name", "admin_state_up"})
    if "name" in body or "admin_state_up" in body:
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise InvalidInput("Invalid input for name", field="name")
        state = body.get("admin_state_up")
        router = cloud.update_router(router.id, name=name,
                                     admin_state_up=None if state is None
                                     else _bool(body, "admin_state_up", True))
    if "external_gateway_info" in body:
        gw = _gateway_network(body["external_gateway_info"])
        if gw is None:
            router = cloud.clear_router_gateway(router.id)
        elif gw != router.gw_network_id:
            router = cloud.set_router_gateway(router.id, gw)
    return reply({"router": views.router_view(cloud, router)})


def _interface_answer(cloud: Cloud, router_id: str, port_id: str, subnet_id: str,
                      network_id: str) -> web.Response:
    router = cloud.routers[router_id]
    return reply({"id": router_id, "tenant_id": router.project_id,
                  "project_id": router.project_id, "port_id": port_id,
                  "network_id": network_id, "subnet_id": subnet_id,
                  "subnet_ids": [subnet_id]})


async def add_interface(request: web.Request) -> web.Response:
    cloud = state_of(request).cloud
    router = cloud.router(request.match_info["id"])
    body = await body_of(request)
    if not isinstance(body.get("subnet_id"), str):
        raise InvalidInput("The simulator adds router interfaces by subnet_id",
                           field="subnet_id")
    port = cloud.add_router_interface(router.id, body["subnet_id"])
    return _interface_answer(cloud, router.id, port.id, body["subnet_id"], port.network_id)


async def remove_interface(request: web.Request) -> web.Response:
    cloud = state_of(request).cloud
    router = cloud.router(request.match_info["id"])
    body = await body_of(request)
    subnet_id, port_id = body.get("subnet_id"), body.get("port_id")
    for port in cloud.router_ports(router.id):
        if port.device_owner != OWNER_ROUTER_INTERFACE:
            continue
        subnets = [ip.subnet_id for ip in port.fixed_ips]
        if port.id == port_id or (subnet_id in subnets):
            sub = subnet_id or subnets[0]
            cloud.remove_router_interface(router.id, sub)
            return _interface_answer(cloud, router.id, port.id, sub, port.network_id)
    raise NotFound(f"Router {router.id} does not have an interface with "
                   f"{'subnet ' + str(subnet_id) if subnet_id else 'port ' + str(port_id)}",
                   field="subnet_id")


async def agent_update(request: web.Request) -> web.Response:
    """`PUT /v2.0/agents/{id}`: an admin sets `admin_state_up` or `description`."""
    cloud = state_of(request).cloud
    ident = request.match_info["id"]
    if ident not in cloud.agents:
        raise not_found(RESOURCES["agents"], ident)
    body = await body_of(request, "agent")
    _check_keys(body, {"admin_state_up", "description"})
    changes: dict[str, Any] = {}
    if "admin_state_up" in body:
        changes["admin_state_up"] = _bool(body, "admin_state_up", True)
    if "description" in body:
        changes["description"] = body["description"]
    agent = cloud.update_agent(ident, **changes)
    return reply({"agent": views.agent_view(cloud, agent)})


def delete_handler(collection: str) -> Callable[[web.Request], Any]:
    res = RESOURCES[collection]

    async def handler(request: web.Request) -> web.Response:
        cloud = state_of(request).cloud
        ident = request.match_info["id"]
        if ident not in table_of(cloud, res):
            raise not_found(res, ident)
        getattr(cloud, f"delete_{res.singular}")(ident)
        return web.Response(status=204)

    return handler


# ---- versions and routes -----------------------------------------------------------------

@public
async def versions(request: web.Request) -> web.Response:
    origin = service_origin(request)
    return reply({"versions": [{"status": "CURRENT", "id": "v2.0",
                                "links": [{"href": f"{origin}/v2.0/", "rel": "self"}]}]})


async def resources(request: web.Request) -> web.Response:
    origin = service_origin(request)
    return reply({"resources": [
        {"name": res.singular, "collection": name,
         "links": [{"href": f"{origin}/v2.0/{name}", "rel": "self"}]}
        for name, res in RESOURCES.items()]})


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/", versions)
    r.add_get("/v2.0", resources)
    r.add_get("/v2.0/", resources)
    for name in RESOURCES:
        r.add_get(f"/v2.0/{name}", list_handler(name))
        r.add_get(f"/v2.0/{name}/{{id}}", show_handler(name))
    for name, create in (("networks", network_create), ("subnets", subnet_create),
                         ("ports", port_create), ("routers", router_create)):
        r.add_post(f"/v2.0/{name}", create)
        r.add_delete(f"/v2.0/{name}/{{id}}", delete_handler(name))
    r.add_put("/v2.0/networks/{id}", network_update)
    r.add_put("/v2.0/subnets/{id}", subnet_update)
    r.add_put("/v2.0/ports/{id}", port_update)
    r.add_put("/v2.0/routers/{id}", router_update)
    r.add_put("/v2.0/agents/{id}", agent_update)
    r.add_delete("/v2.0/agents/{id}", delete_handler("agents"))
    r.add_put("/v2.0/routers/{id}/add_router_interface", add_interface)
    r.add_put("/v2.0/routers/{id}/remove_router_interface", remove_interface)
