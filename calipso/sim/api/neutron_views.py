"""Neutron's JSON shapes (admin view) built from the records: networks, subnets, ports,
routers, agents. Keys follow the API reference captures plus the admin-only `provider:*`
and `binding:*` fields; `project_id` and `tenant_id` are both present."""

from __future__ import annotations

import time
import uuid
from typing import Any

from calipso.sim.cloud import Cloud
from calipso.sim.cloud_ops import live_configurations
from calipso.sim.model import TIMESTAMP, Agent, Network, Port, Project, Router, Subnet

SG_NS = uuid.UUID("5e1a7c1d-0000-4000-8000-000000000002")
L2_AGENTS = ("neutron-openvswitch-agent", "neutron-linuxbridge-agent")


def neutron_time(stamp: str) -> str:
    """Agents show `YYYY-MM-DD HH:MM:SS`; the model stores ISO 8601 with Z."""
    return stamp.replace("T", " ").rstrip("Z")


def default_security_group(project_id: str) -> str:
    return str(uuid.uuid5(SG_NS, project_id))


def _owner(project_id: str) -> dict[str, str]:
    return {"project_id": project_id, "tenant_id": project_id}


def network_view(cloud: Cloud, net: Network) -> dict[str, Any]:
    return {
        "admin_state_up": net.admin_state_up, "availability_zone_hints": [],
        "availability_zones": ["nova"], "created_at": net.created_at, "dns_domain": "",
        "id": net.id, "ipv4_address_scope": None, "ipv6_address_scope": None,
        "l2_adjacency": True, "mtu": net.mtu, "name": net.name,
        "port_security_enabled": True, **_owner(net.project_id), "qos_policy_id": None,
        "provider:network_type": net.network_type,
        "provider:physical_network": net.physnet,
        "provider:segmentation_id": net.segmentation_id, "revision_number": 1,
        "router:external": net.external, "shared": net.shared, "status": net.status,
        "subnets": list(net.subnet_ids), "tags": [], "updated_at": net.created_at,
        "vlan_transparent": False, "qinq": False, "pvlan": False, "description": "",
        "is_default": False,
    }


def subnet_view(cloud: Cloud, sub: Subnet) -> dict[str, Any]:
    net = cloud.networks.get(sub.network_id)
    return {
        "name": sub.name, "enable_dhcp": sub.enable_dhcp, "network_id": sub.network_id,
        "segment_id": None, **_owner(sub.project_id),
        "dns_nameservers": list(sub.dns_nameservers), "dns_publish_fixed_ip": False,
        "allocation_pools": [{"start": s, "end": e} for s, e in sub.allocation_pools],
        "host_routes": [], "ip_version": sub.ip_version, "gateway_ip": sub.gateway_ip,
        "cidr": sub.cidr, "id": sub.id, "created_at": sub.created_at, "description": "",
        "ipv6_address_mode": None, "ipv6_ra_mode": None, "revision_number": 1,
        "service_types": [], "subnetpool_id": None, "tags": [], "updated_at": sub.created_at,
        "router:external": bool(net and net.external),
    }


def _host_label(ip: str) -> str:
    return "host-" + ip.replace(".", "-")


def port_view(cloud: Cloud, port: Port) -> dict[str, Any]:
    compute = port.device_owner.startswith("compute:")
    ips = [{"subnet_id": ip.subnet_id, "ip_address": ip.ip_address} for ip in port.fixed_ips]
    return {
        "admin_state_up": port.admin_state_up, "allowed_address_pairs": [],
        "binding:host_id": port.host, "binding:profile": {},
        "binding:vif_details": dict(port.vif_details), "binding:vif_type": port.vif_type,
        "binding:vnic_type": port.vnic_type, "created_at": port.created_at,
        "data_plane_status": None, "description": "", "device_id": port.device_id,
        "device_owner": port.device_owner,
        "dns_assignment": [{"hostname": _host_label(ip["ip_address"]),
                            "ip_address": ip["ip_address"],
                            "fqdn": _host_label(ip["ip_address"]) + ".openstacklocal."}
                           for ip in ips],
        "dns_domain": "", "dns_name": "", "extra_dhcp_opts": [], "fixed_ips": ips,
        "id": port.id, "ip_allocation": "immediate", "mac_address": port.mac,
        "name": port.name, "network_id": port.network_id, **_owner(port.project_id),
        "revision_number": 1,
        "security_groups": [default_security_group(port.project_id)] if compute else [],
        "status": port.status, "tags": [], "updated_at": port.created_at,
        "qos_network_policy_id": None, "qos_policy_id": None,
        "port_security_enabled": compute,
        "propagate_uplink_status": False, "pvlan_type": None, "pvlan_community": None,
    }


def security_group_view(cloud: Cloud, project: Project) -> dict[str, Any]:
    """The project's `default` group: all egress, ingress from the group itself."""
    ident = default_security_group(project.id)
    rules = []
    for direction, remote in (("egress", None), ("ingress", ident)):
        for ethertype in ("IPv4", "IPv6"):
            rules.append({
                "id": str(uuid.uuid5(SG_NS, f"{ident}/{direction}/{ethertype}")),
                "security_group_id": ident, "direction": direction, "ethertype": ethertype,
                "protocol": None, "port_range_min": None, "port_range_max": None,
                "remote_ip_prefix": None, "remote_group_id": remote,
                "remote_address_group_id": None, "normalized_cidr": None,
                "description": "", "belongs_to_default_sg": True, "revision_number": 0,
                "created_at": TIMESTAMP, "updated_at": TIMESTAMP, "tags": [],
                **_owner(project.id)})
    return {"id": ident, "name": "default", "description": "Default security group",
            "stateful": True, "shared": False, "security_group_rules": rules,
            "revision_number": 1, "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
            "tags": [], **_owner(project.id)}


def router_view(cloud: Cloud, router: Router) -> dict[str, Any]:
    gateway = None
    if router.gw_network_id:
        port = cloud.ports.get(router.gw_port_id or "")
        gateway = {"network_id": router.gw_network_id, "enable_snat": True,
                   "external_fixed_ips": [{"ip_address": ip.ip_address,
                                           "subnet_id": ip.subnet_id}
                                          for ip in (port.fixed_ips if port else ())]}
    return {
        "admin_state_up": router.admin_state_up, "availability_zone_hints": [],
        "availability_zones": ["nova"], "created_at": router.created_at, "description": "",
        "distributed": False, "external_gateway_info": gateway, "flavor_id": None,
        "ha": False, "id": router.id, "name": router.name, "revision_number": 1,
        "routes": [], "status": router.status, "updated_at": router.created_at,
        **_owner(router.project_id), "service_type_id": None, "tags": [],
        "conntrack_helpers": [],
    }


def agent_view(cloud: Cloud, agent: Agent) -> dict[str, Any]:
    created = neutron_time(agent.created_at)
    return {
        "binary": agent.binary, "description": agent.description,
        "availability_zone": agent.availability_zone,
        "heartbeat_timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "admin_state_up": agent.admin_state_up, "alive": agent.alive, "id": agent.id,
        "topic": agent.topic, "host": agent.host, "agent_type": agent.agent_type,
        "started_at": created, "created_at": created,
        "resources_synced": True if agent.binary in L2_AGENTS else None,
        # from the record: a deleted agent's view is still rendered for its notification
        "configurations": live_configurations(cloud, agent),
    }
