"""Truth of an ML2/OVN host beyond what it shares with OVS (docs/ovn.md): the vEdge's
configuration as Calipso reads it from the chassis, and the vServices: the logical router
on its gateway chassis' host and the `ovnmeta-<network>` metadata namespaces."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from calipso.sim.model import OWNER_ROUTER_GATEWAY, OWNER_ROUTER_INTERFACE, Port
from calipso.sim.truth_builder import Doc
from calipso.sim.wiring_drivers import PHYS_BRIDGE, has_provider_bridge
from calipso.sim.wiring_ovn import chassis_name, metadata_port, metadata_veth

if TYPE_CHECKING:
    from calipso.sim.truth_host import HostTruth

FOLDERS = {"router": ("routers", "Gateways"), "metadata": ("metadatas", "Metadata")}


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


def _vservice(h: HostTruth, top: Doc, kind: str, local_id: str, name: str,
              ports: list[Port], **extra: Any) -> Doc:
    key, text = FOLDERS[kind]
    folder = h.t.get(f"vservice_{key}_folder", f"{h.host.name}-vservices-{key}")
    if folder is None:
        folder = h.t.add(f"vservice_{key}_folder", f"{h.host.name}-vservices-{key}", text, top)
    return h.t.add("vservice", f"{h.host.name}-{local_id}", name, folder,
                   local_service_id=local_id, service_type=kind, host=h.host.name,
                   network=list(dict.fromkeys(p.network_id for p in ports)), **extra)


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
