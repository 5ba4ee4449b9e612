"""Shapes several channels share, built from the records in one place.

`network_info` is Nova's `instance_info_caches.network_info` (MySQL, notifications, truth);
`nova_services` is what `os-availability-zone/detail` and `nova.services` list per host.
"""

from __future__ import annotations

from typing import Any

from calipso.sim.cloud import Cloud
from calipso.sim.model import OWNER_DHCP, Host, Instance, Port
from calipso.sim.spec import OVERLAYS


def nova_services(host: Host) -> list[str]:
    out = []
    if "controller" in host.roles:
        out += ["nova-conductor", "nova-scheduler"]
    if host.is_compute:
        out.append("nova-compute")
    return out


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
