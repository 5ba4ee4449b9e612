"""Shapes several channels share, built from the records in one place.

`network_info` is Nova's `instance_info_caches.network_info` (MySQL, notifications, truth);
`nova_services` is what `os-availability-zone/detail` and `nova.services` list per host.
"""

from __future__ import annotations

from typing import Any

from calipso.sim.cloud import Cloud
from calipso.sim.model import OWNER_DHCP, Host, Instance, Port, nova_services
from calipso.sim.spec import OVERLAYS

__all__ = ["filed_zone", "network_info", "nova_services", "service_zone", "vif",
           "vif_bridge", "zone_services"]
INTERNAL_ZONE = "internal"


def service_zone(host: Host, binary: str) -> str:
    return host.availability_zone if binary == "nova-compute" else INTERNAL_ZONE


def zone_services(cloud: Cloud) -> dict[str, dict[str, dict[str, Any]]]:
    """What `os-availability-zone/detail` lists: zone -> host -> binary ->
    `{available, active}`, enabled services only (Nova leaves disabled ones out), in
    host order. `available`: its heartbeat is recent and it is not forced down."""
    zones: dict[str, dict[str, dict[str, Any]]] = {}
    for host in cloud.hosts.values():
        for binary in nova_services(host):
            state = cloud.service_state(host.name, binary)
            if not state.disabled:
                zones.setdefault(service_zone(host, binary), {}).setdefault(
                    host.name, {})[binary] = {"available": state.available, "active": True}
    return zones


def filed_zone(cloud: Cloud, host: Host, zones: dict[str, dict[str, Any]]) -> str | None:
    """The zone a scan files ``host`` under: the zone listing its nova-compute, else the
    first listing it, else `internal` when it runs Neutron agents; None when neither
    Nova's zones nor Neutron's agents show it."""
    listing = [z for z, hosts in zones.items() if host.name in hosts]
    for zone in listing:
        if "nova-compute" in zones[zone][host.name]:
            return zone
    if listing:
        return listing[0]
    return INTERNAL_ZONE if cloud.agents_on_host(host.name) else None


def vif_bridge(cloud: Cloud, port: Port) -> str | None:
    """`network.bridge` of a VIF: br-int (OVS, OVN), brq<net> (LXB), None (VPP)."""
    if cloud.spec.driver in ("ovs", "ovn"):
        return "br-int"
    if cloud.spec.driver == "lxb":
        return "brq" + port.network_id[:11]
    return None


def _dhcp_server(cloud: Cloud, subnet_id: str, network_id: str) -> str | None:
    # lazily: the DHCP port comes early in a network's ports, and networks have thousands
    for port_id in cloud._ports_by_network.get(network_id, ()):
        port = cloud.ports[port_id]
        if port.device_owner == OWNER_DHCP:
            for ip in port.fixed_ips:
                if ip.subnet_id == subnet_id:
                    return ip.ip_address
    return None


def _ip(address: str, type_: str) -> dict[str, Any]:
    return {"address": address, "type": type_, "version": 4, "meta": {}}


def vif(cloud: Cloud, port: Port) -> dict[str, Any]:
    """One entry of `network_info` for `port`."""
    net = cloud.networks[port.network_id]
    subnets = []
    for sub in cloud.subnets_of(net.id):
        ips = [{**_ip(ip.ip_address, "fixed"), "floating_ips": []}
               for ip in port.fixed_ips if ip.subnet_id == sub.id]
        if not ips:
            continue
        meta: dict[str, Any] = {}
        server = _dhcp_server(cloud, sub.id, net.id)
        if server:
            meta["dhcp_server"] = server
        subnets.append({
            "cidr": sub.cidr, "dns": [_ip(d, "dns") for d in sub.dns_nameservers],
            "gateway": _ip(sub.gateway_ip, "gateway") if sub.gateway_ip else {"meta": {}},
            "ips": ips, "routes": [], "version": 4, "meta": meta,
        })
    return {
        "id": port.id, "address": port.mac, "devname": "tap" + port.id[:11],
        "ovs_interfaceid": port.id if port.vif_type == "ovs" else None,
        "type": port.vif_type, "details": dict(port.vif_details), "vnic_type": "normal",
        "network": {
            "id": net.id, "bridge": vif_bridge(cloud, port), "label": net.name,
            "subnets": subnets,
            "meta": {"injected": False, "tenant_id": port.project_id, "mtu": net.mtu,
                     "physical_network": net.physnet,
                     "tunneled": net.network_type in OVERLAYS},
        },
        "profile": {}, "preserve_on_delete": False, "active": port.status == "ACTIVE",
        "qbh_params": None, "qbg_params": None, "meta": {},
    }


def network_info(cloud: Cloud, inst: Instance) -> list[dict[str, Any]]:
    return [vif(cloud, cloud.ports[p]) for p in inst.port_ids if p in cloud.ports]
