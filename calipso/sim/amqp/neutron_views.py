"""Neutron resources as neutron-server puts them in notification payloads (its API view).

Pure functions of the records (and, for a router's gateway, the gateway port record).
Field names follow the current API: `project_id` with `tenant_id` beside it, `binding:*`,
`provider:*`, `router:external`, standard attributes (`created_at`, `revision_number`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from calipso.sim.model import Agent, Network, Port, Router, Subnet

View = dict[str, Any]


def api_time(when: datetime | None = None) -> str:
    return (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _standard(record_created: str) -> View:
    return {"description": "", "tags": [], "created_at": record_created,
            "updated_at": api_time(), "revision_number": 1}


def network_view(net: Network) -> View:
    view: View = {
        "id": net.id, "name": net.name, "tenant_id": net.project_id,
        "project_id": net.project_id, "admin_state_up": net.admin_state_up, "mtu": net.mtu,
        "status": net.status, "subnets": list(net.subnet_ids), "shared": net.shared,
        "availability_zone_hints": [], "availability_zones": ["nova"],
        "ipv4_address_scope": None, "ipv6_address_scope": None,
        "router:external": net.external, "port_security_enabled": True,
        "qos_policy_id": None, "l2_adjacency": True, "is_default": False,
        "provider:network_type": net.network_type,
        "provider:physical_network": net.physnet,
        "provider:segmentation_id": net.segmentation_id,
    }
    return view | _standard(net.created_at)


def network_request(net: Network) -> View:
    body: View = {"name": net.name, "admin_state_up": True, "tenant_id": net.project_id}
    if net.external:
        body["router:external"] = True
    return body


def network_update_request(net: Network) -> View:
    """`PUT /v2.0/networks/{id}` body: the attributes the simulator updates."""
    return {"name": net.name, "admin_state_up": net.admin_state_up, "shared": net.shared}


def subnet_view(sub: Subnet) -> View:
    view: View = {
        "id": sub.id, "name": sub.name, "tenant_id": sub.project_id,
        "project_id": sub.project_id, "network_id": sub.network_id,
        "ip_version": sub.ip_version, "subnetpool_id": None, "enable_dhcp": sub.enable_dhcp,
        "ipv6_ra_mode": None, "ipv6_address_mode": None, "gateway_ip": sub.gateway_ip,
        "cidr": sub.cidr, "host_routes": [], "service_types": [], "segment_id": None,
        "allocation_pools": [{"start": a, "end": b} for a, b in sub.allocation_pools],
        "dns_nameservers": list(sub.dns_nameservers), "dns_publish_fixed_ip": False,
    }
    return view | _standard(sub.created_at)


def subnet_request(sub: Subnet) -> View:
    return {"network_id": sub.network_id, "name": sub.name, "ip_version": sub.ip_version,
            "cidr": sub.cidr, "enable_dhcp": sub.enable_dhcp, "gateway_ip": sub.gateway_ip,
            "tenant_id": sub.project_id}


def subnet_update_request(sub: Subnet) -> View:
    """`PUT /v2.0/subnets/{id}` body: the attributes the simulator updates."""
    return {"name": sub.name, "enable_dhcp": sub.enable_dhcp, "gateway_ip": sub.gateway_ip,
            "allocation_pools": [{"start": a, "end": b} for a, b in sub.allocation_pools],
            "dns_nameservers": list(sub.dns_nameservers)}


def unbound(view: View) -> View:
    """A port as Nova first creates it: no device, no binding, DOWN."""
    return view | {"device_id": "", "device_owner": "", "binding:host_id": "",
                   "binding:vif_type": "unbound", "binding:vif_details": {}, "status": "DOWN"}


def port_request(port: Port, minimal: bool = False) -> View:
    body: View = {"network_id": port.network_id, "admin_state_up": True,
                  "tenant_id": port.project_id}
    if not minimal:
        body |= {"name": port.name, "device_id": port.device_id,
                 "device_owner": port.device_owner, "binding:host_id": port.host}
    return body


def port_binding_request(port: Port) -> View:
    return {"binding:host_id": port.host, "device_id": port.device_id,
            "device_owner": port.device_owner}


def router_view(router: Router, gw_port: Port | None) -> View:
    gateway: View | None = None
    if router.gw_network_id:
        ips = gw_port.fixed_ips if gw_port else ()
        gateway = {"network_id": router.gw_network_id, "enable_snat": True,
                   "external_fixed_ips": [{"subnet_id": ip.subnet_id,
                                           "ip_address": ip.ip_address} for ip in ips]}
    view: View = {
        "id": router.id, "name": router.name, "tenant_id": router.project_id,
        "project_id": router.project_id, "admin_state_up": router.admin_state_up,
        "status": router.status, "external_gateway_info": gateway, "routes": [],
        "distributed": False, "ha": False, "availability_zone_hints": [],
        "availability_zones": ["nova"], "flavor_id": None,
    }
    return view | _standard(router.created_at)


def router_request(router: Router) -> View:
    body: View = {"name": router.name, "admin_state_up": True, "tenant_id": router.project_id}
    if router.gw_network_id:
        body["external_gateway_info"] = {"network_id": router.gw_network_id}
    return body


def router_update_request(router: Router) -> View:
    return {"name": router.name, "admin_state_up": router.admin_state_up}


def router_gateway_request(router: Router) -> View:
    """`PUT /routers/{id}` body of a gateway change (`{}` clears it)."""
    gateway = {"network_id": router.gw_network_id} if router.gw_network_id else {}
    return {"external_gateway_info": gateway}


def router_interface(port: Port, project_id: str) -> View:
    """`router.interface.create|delete` payload body for a router's interface port."""
    subnet_ids = [ip.subnet_id for ip in port.fixed_ips]
    return {"id": port.device_id, "tenant_id": project_id, "port_id": port.id,
            "network_id": port.network_id, "subnet_id": subnet_ids[0] if subnet_ids else None,
            "subnet_ids": subnet_ids}


def agent_request(agent: Agent) -> View:
    """The body of the admin's `PUT /v2.0/agents/{id}` that made ``agent`` so."""
    return {"admin_state_up": agent.admin_state_up, "description": agent.description}
