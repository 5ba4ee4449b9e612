"""Driver-specific host wiring: Open vSwitch, Linux bridge, VPP (see README "Host wiring")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from calipso.sim.model import OWNER_COMPUTE, OWNER_DHCP, Host, Port
from calipso.sim.spec import TopologySpec
from calipso.sim.wiring import (
    LXB_VXLAN_PORT,
    VPP_UPLINK,
    VXLAN_PORT,
    Bridge,
    HostWiring,
    LinkDev,
    OvsPort,
    Tunnel,
    VppInterface,
    derived_mac,
    l2_neighbours,
    linux_bridge,
    namespaces,
    network_neighbours,
    ovs_tunnel_name,
    tap_dev,
)

if TYPE_CHECKING:
    from calipso.sim.cloud_index import CloudIndex

OFPORT_LOCAL = 65534
PHYS_BRIDGE = "br-ex"


def has_provider_bridge(spec: TopologySpec, host: Host) -> bool:
    """Hosts with a physnet mapping: network hosts (external net) and all hosts for VLAN."""
    return host.is_network or spec.type_driver == "vlan"


def has_tunnels(spec: TopologySpec, host: Host) -> bool:
    """OVS and Linux bridge with VXLAN; ML2/OVN always (Geneve between chassis)."""
    overlay = spec.type_driver in ("vxlan", "geneve") or spec.driver == "ovn"
    return overlay and (host.is_network or host.is_compute)


def port_external_ids(port: Port, inst_id: str | None) -> tuple[tuple[str, str], ...]:
    ids = [("attached-mac", port.mac), ("iface-id", port.id), ("iface-status", "active")]
    if inst_id:
        ids.append(("vm-uuid", inst_id))
    return tuple(ids)


def wire_ovs(cloud: CloudIndex, host: Host, ports: list[Port], w: HostWiring) -> None:
    spec = cloud.spec
    if not (host.is_compute or host.is_network):
        return
    alloc = cloud.alloc[host.name]
    hybrid = spec.firewall == "hybrid"
    phys = has_provider_bridge(spec, host)
    tun = has_tunnels(spec, host)
    w.devs.append(LinkDev("ovs-system", "openvswitch", derived_mac(host.name, "ovs-system"),
                          1500))
    int_ports = [OvsPort("br-int", "br-int", OFPORT_LOCAL, 1, "internal")]
    for name in ("br-int", *(["br-tun"] if tun else []), *([PHYS_BRIDGE] if phys else [])):
        w.datapath_id[name] = "0000" + derived_mac(host.name, name).replace(":", "")
        w.devs.append(LinkDev(name, "openvswitch", derived_mac(host.name, name), 1500,
                              master="ovs-system"))
    if tun:
        int_ports.append(OvsPort("br-int", "patch-tun", 1, None, "patch",
                                 options=(("peer", "patch-int"),)))
        tun_ports = [OvsPort("br-tun", "br-tun", OFPORT_LOCAL, 2, "internal"),
                     OvsPort("br-tun", "patch-int", 1, None, "patch",
                             options=(("peer", "patch-tun"),))]
        for remote in l2_neighbours(cloud, host):
            name = ovs_tunnel_name(remote.tunnel_ip)
            ofport = 2 + remote.index
            options = (("df_default", "true"), ("egress_pkt_mark", "0"), ("in_key", "flow"),
                       ("local_ip", host.tunnel_ip), ("out_key", "flow"),
                       ("remote_ip", remote.tunnel_ip))
            tun_ports.append(OvsPort("br-tun", name, ofport, 3, "vxlan", options=options))
            w.tunnels.append(Tunnel(name, host.tunnel_ip, remote.tunnel_ip, remote.name, ofport))
        w.ovs_ports.extend(tun_ports)
        w.devs.append(LinkDev("vxlan_sys_4789", "vxlan", derived_mac(host.name, "vxlan_sys"),
                              65000, master="ovs-system"))
    if phys:
        int_ports.append(OvsPort("br-int", "int-br-ex", 2, None, "patch",
                                 options=(("peer", "phy-br-ex"),)))
        w.ovs_ports.extend([
            OvsPort(PHYS_BRIDGE, PHYS_BRIDGE, OFPORT_LOCAL, 4, "internal"),
            OvsPort(PHYS_BRIDGE, "phy-br-ex", 1, None, "patch", options=(("peer", "int-br-ex"),)),
            OvsPort(PHYS_BRIDGE, host.provider_iface, 2, 5),
        ])
    for port in ports:
        dp, ofport, _ = alloc.ports[port.id]
        tag = alloc.tag(port.network_id)
        net = cloud.networks[port.network_id]
        if port.device_owner == OWNER_COMPUTE:
            tap = "tap" + port.id[:11]
            if hybrid:
                qbr, qvb, qvo = ("qbr" + port.id[:11], "qvb" + port.id[:11],
                                 "qvo" + port.id[:11])
                members = [tap_dev(port, net, qbr),
                           LinkDev(qvb, "veth", derived_mac(host.name, qvb), net.mtu,
                                   master=qbr, peer=qvo)]
                w.devs.extend(members)
                w.devs.append(LinkDev(qvo, "veth", derived_mac(host.name, qvo), net.mtu,
                                      master="ovs-system", peer=qvb))
                w.bridges[qbr] = linux_bridge(qbr, members, port.network_id)
                w.devs.append(LinkDev(qbr, "bridge", w.bridges[qbr].mac, net.mtu))
                int_ports.append(OvsPort("br-int", qvo, ofport, dp, tag=tag,
                                         external_ids=port_external_ids(port, port.device_id),
                                         mac=port.mac, port_id=port.id))
            else:
                w.devs.append(tap_dev(port, net, "ovs-system"))
                int_ports.append(OvsPort("br-int", tap, ofport, dp, tag=tag,
                                         external_ids=port_external_ids(port, port.device_id),
                                         mac=port.mac, port_id=port.id))
        else:  # DHCP / router ports: internal ports moved into their namespace
            int_ports.append(OvsPort("br-int", port.devname, ofport, dp, "internal", tag=tag,
                                     external_ids=port_external_ids(port, None), mac=port.mac,
                                     port_id=port.id))
    w.ovs_ports[:0] = int_ports
    for name in w.datapath_id:
        names = tuple(p.name for p in w.ovs_ports if p.bridge == name)
        w.bridges[name] = Bridge(name, "ovs", w.datapath_id[name], names,
                                 derived_mac(host.name, name))
    w.namespaces.update(namespaces(cloud, host, ports))


def wire_lxb(cloud: CloudIndex, host: Host, ports: list[Port], w: HostWiring) -> None:
    if not (host.is_compute or host.is_network):
        return
    by_net: dict[str, list[LinkDev]] = {}
    for port in ports:
        net = cloud.networks[port.network_id]
        brq = "brq" + net.id[:11]
        if port.device_owner == OWNER_COMPUTE:
            dev = tap_dev(port, net, brq)
        else:  # veth: tap<id> in the bridge, ns-/qr-/qg-<id> in the namespace
            kind = "qdhcp" if port.device_owner == OWNER_DHCP else "qrouter"
            owner = port.network_id if kind == "qdhcp" else port.device_id
            dev = LinkDev("tap" + port.id[:11], "veth", derived_mac(host.name, port.id),
                          net.mtu, master=brq, peer=_ns_name(port),
                          peer_netns=f"{kind}-{owner}")
        by_net.setdefault(net.id, []).append(dev)
    for net_id, members in by_net.items():
        net = cloud.networks[net_id]
        brq = "brq" + net_id[:11]
        if net.network_type == "vxlan":
            name = f"vxlan-{net.segmentation_id}"
            members.append(LinkDev(name, "vxlan", derived_mac(host.name, name), net.mtu,
                                   master=brq, vni=net.segmentation_id,
                                   parent=host.tunnel_iface, local_ip=host.tunnel_ip))
            for remote in network_neighbours(cloud, host, net_id):
                w.tunnels.append(Tunnel(name, host.tunnel_ip, remote.tunnel_ip, remote.name))
        elif net.network_type == "vlan":
            name = f"{host.provider_iface}.{net.segmentation_id}"
            members.append(LinkDev(name, "vlan", _iface_mac(host, host.provider_iface),
                                   net.mtu, master=brq, vlan_id=net.segmentation_id,
                                   parent=host.provider_iface))
        w.devs.extend(members)
        w.bridges[brq] = linux_bridge(brq, members, net_id)
        if net.network_type == "flat":  # the provider NIC itself is enslaved
            b = w.bridges[brq]
            w.bridges[brq] = Bridge(b.name, b.kind, b.bridge_id,
                                    (*b.interfaces, host.provider_iface), b.mac, net_id)
        w.devs.append(LinkDev(brq, "bridge", w.bridges[brq].mac, net.mtu))
    w.namespaces.update(namespaces(cloud, host, ports))


def wire_vpp(cloud: CloudIndex, host: Host, ports: list[Port], w: HostWiring) -> None:
    if not (host.is_compute or host.is_network):
        return
    alloc = cloud.alloc[host.name]
    uplink_mac = _iface_mac(host, host.provider_iface)
    w.vpp_interfaces.append(VppInterface("local0", 0, "00:00:00:00:00:00"))
    w.vpp_interfaces.append(VppInterface(VPP_UPLINK, 1, uplink_mac))
    members: dict[str, list[str]] = {}
    for port in ports:
        _, _, idx = alloc.ports[port.id]
        bd = alloc.tag(port.network_id)
        if port.device_owner == OWNER_COMPUTE:
            name = f"VirtualEthernet0/0/{idx - 3}"
        else:
            name = f"tap{idx - 3}"
        w.vpp_interfaces.append(VppInterface(name, idx, port.mac, port.id, bd))
        members.setdefault(port.network_id, []).append(name)
    for net_id, names in members.items():
        net = cloud.networks[net_id]
        bd = alloc.tag(net_id)
        if net.network_type == "vlan":
            names.append(f"{VPP_UPLINK}.{net.segmentation_id}")
        elif net.network_type == "flat":
            names.append(VPP_UPLINK)
        else:
            names.append(f"vxlan_tunnel{bd}")
            for remote in network_neighbours(cloud, host, net_id):
                w.tunnels.append(Tunnel(f"vxlan_tunnel{bd}", host.tunnel_ip, remote.tunnel_ip,
                                        remote.name))
        name = f"bridge-domain-{bd}"
        w.bridges[name] = Bridge(name, "vpp", str(bd), tuple(names), network_id=net_id)
    w.namespaces.update(namespaces(cloud, host, ports))


def _ns_name(port: Port) -> str:
    prefix = {"network:dhcp": "ns-", "network:router_interface": "qr-",
              "network:router_gateway": "qg-"}.get(port.device_owner, "tap")
    return prefix + port.id[:11]


def _iface_mac(host: Host, name: str) -> str:
    for bond in host.bonds:
        if bond.name == name:
            return bond.mac
    return next((n.mac for n in host.pnics if n.name == name), derived_mac(host.name, name))


__all__ = [
    "LXB_VXLAN_PORT",
    "VXLAN_PORT",
    "has_provider_bridge",
    "has_tunnels",
    "wire_lxb",
    "wire_ovs",
    "wire_vpp",
]
