"""Truth of an ML2/OVN host beyond what it shares with OVS (docs/ovn.md): the vEdge's
configuration as Calipso reads it from the chassis, and the vServices: the logical router
on its gateway chassis' host, the `ovnmeta-<network>` metadata namespaces and the DHCP each
chassis' ovn-controller answers for its VM ports (per network; no vNIC: a link to the
host's vEdge)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from calipso.sim.model import (
    OWNER_COMPUTE,
    OWNER_ROUTER_GATEWAY,
    OWNER_ROUTER_INTERFACE,
    Port,
)
from calipso.sim.truth_builder import Doc
from calipso.sim.wiring_drivers import PHYS_BRIDGE, has_provider_bridge
from calipso.sim.wiring_ovn import (
    chassis_name,
    dhcp_options,
    metadata_port,
    metadata_veth,
    port_dhcp_subnet,
)

if TYPE_CHECKING:
    from calipso.sim.truth_host import HostTruth

FOLDERS = {"router": ("routers", "Gateways"), "metadata": ("metadatas", "Metadata"),
           "dhcp": ("dhcps", "DHCP servers")}


def ovn_configurations(h: HostTruth) -> dict[str, Any]:
    """What the chassis' `ovs-vsctl get open . external_ids` tells of its ovn-controller."""
    mappings = {"physnet1": PHYS_BRIDGE} if has_provider_bridge(h.cloud.spec, h.host) else {}
    return {"chassis_name": chassis_name(h.cloud, h.host.name),
            "integration_bridge": "br-int", "tunnel_bridge": "br-int",
            "tunneling_ip": h.host.tunnel_ip, "tunnel_types": ["geneve"],
            "bridge_mappings": mappings}


def ovn_vservices(h: HostTruth) -> None:
    top = h.t.folder("vservices", f"{h.host.name}-vservices", "vServices", h.hdoc)
    for router in h.cloud.routers.values():
        if router.gw_port_id and router.host == h.host.name:
            ports = [p for p in h.cloud.router_ports(router.id)
                     if p.device_owner in (OWNER_ROUTER_INTERFACE, OWNER_ROUTER_GATEWAY)]
            sdoc = _vservice(h, top, "router", f"neutron-{router.id}", f"router-{router.name}",
                             ports, gw_port_id=router.gw_port_id,
                             tenant_id=router.project_id)
            vfolder = h.t.folder("vnics", f"{sdoc['id']}-vnics", "vNICs", sdoc)
            for port in ports:
                _vnic(h, sdoc, vfolder, port, f"lrp-{port.id}")
    for ns in h.w.namespaces.values():
        md = metadata_port(h.cloud, ns.owner_id)
        assert md is not None
        sdoc = _vservice(h, top, "metadata", ns.name, f"metadata-{h.net_name(ns.owner_id)}",
                         [md])
        vfolder = h.t.folder("vnics", f"{sdoc['id']}-vnics", "vNICs", sdoc)
        _vnic(h, sdoc, vfolder, md, metadata_veth(ns.owner_id)[1])
    _dhcp(h, top)


def _dhcp(h: HostTruth, top: Doc) -> None:
    """Per network, the subnets whose DHCP this chassis answers: those its VM ports take
    their addresses from."""
    subnets: dict[str, dict[str, None]] = {}
    for port in h.cloud.ports_on_host(h.host.name):
        subnet = port_dhcp_subnet(h.cloud, port) if port.device_owner == OWNER_COMPUTE else None
        if subnet is not None:
            subnets.setdefault(port.network_id, {})[subnet] = None
    for net_id, of_net in subnets.items():
        net = h.cloud.networks[net_id]
        local_id = f"ovn-dhcp-{net_id}"
        sdoc = _vservice(h, top, "dhcp", local_id, f"dhcp-{net.name}", [],
                         network=[net_id],
                         dhcp_options=[_dhcp_fields(h, s) for s in of_net])
        assert h.vedge is not None
        h.link(sdoc, h.vedge, f"{sdoc['name']}-{h.vedge['name']}", net_id)


def _dhcp_fields(h: HostTruth, subnet_id: str) -> dict[str, Any]:
    sub, options = h.cloud.subnets[subnet_id], dhcp_options(h.cloud, subnet_id) or {}
    return {"subnet_id": sub.id, "cidr": sub.cidr, "ip_version": 4,
            "server_id": options["server_id"], "server_mac": options["server_mac"],
            "router": sub.gateway_ip, "lease_time": int(options["lease_time"]),
            "mtu": h.cloud.networks[sub.network_id].mtu,
            "dns_servers": list(sub.dns_nameservers)}


def _vservice(h: HostTruth, top: Doc, kind: str, local_id: str, name: str,
              ports: list[Port], **extra: Any) -> Doc:
    key, text = FOLDERS[kind]
    folder = h.t.get(f"vservice_{key}_folder", f"{h.host.name}-vservices-{key}")
    if folder is None:
        folder = h.t.add(f"vservice_{key}_folder", f"{h.host.name}-vservices-{key}", text, top)
    fields = {"network": list(dict.fromkeys(p.network_id for p in ports)), **extra}
    return h.t.add("vservice", f"{h.host.name}-{local_id}", name, folder,
                   local_service_id=local_id, service_type=kind, host=h.host.name, **fields)


def _vnic(h: HostTruth, sdoc: Doc, vfolder: Doc, port: Port, name: str) -> None:
    """A logical router port (`lrp-<port>`, made by the gateway chassis' ovn-controller)
    or a metadata namespace's veth: both to the host's vEdge."""
    assert h.vedge is not None
    ip = port.fixed_ips[0] if port.fixed_ips else None
    cidr = h.cloud.subnets[ip.subnet_id].cidr if ip else None
    vdoc = h.t.add(
        "vnic", f"{h.host.name}-{name}", name, vfolder, vnic_type="vservice_vnic",
        host=h.host.name, mac_address=port.mac, network=port.network_id, port_id=port.id,
        cidr=cidr, netmask=str(ipaddress.ip_network(cidr).netmask) if cidr else None,
        **{"IP Address": ip.ip_address if ip else None})
    h.link(sdoc, vdoc, h.net_name(port.network_id), port.network_id)
    h.link(vdoc, h.vedge, f"{name}-{h.vedge['name']}", port.network_id)
