"""Per-host networking derived from the cloud's records: what a host's shell would show.

`derive_wiring(cloud, host)` builds a `HostWiring`: Linux devices of the root namespace,
bridges (OVS, Linux, VPP bridge domains), OVS ports with ofport / datapath numbers and
local VLAN tags, network namespaces with their interfaces, libvirt domains, and tunnels.
Numbers come from the host's `HostAlloc`, so they are stable while the thing lives.
Layout per driver is described in README.md ("Host wiring").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from calipso.sim.model import (
    OWNER_COMPUTE,
    OWNER_DHCP,
    Host,
    Network,
    Port,
    ip_hex,
    linux_bridge_id,
    ns_devname,
    tap_host_mac,
)

if TYPE_CHECKING:
    from calipso.sim.cloud_index import CloudIndex

LXB_VXLAN_PORT = 8472
VXLAN_PORT = 4789
VPP_UPLINK = "TenGigabitEthernet5/0/0"


@dataclass(frozen=True, slots=True)
class LinkDev:
    """A network device as `ip -d link` / `ip address show` lists it."""

    name: str
    kind: str  # phys | bond | vlan | veth | tap | bridge | openvswitch | vxlan | internal | lo
    mac: str
    mtu: int
    master: str | None = None  # Linux bridge / bond / "ovs-system"
    peer: str | None = None  # veth peer name
    peer_netns: str | None = None  # namespace of the veth peer
    addresses: tuple[str, ...] = ()  # "ip/prefixlen"
    vlan_id: int | None = None
    vni: int | None = None
    parent: str | None = None  # VLAN/VXLAN lower device
    local_ip: str | None = None


@dataclass(frozen=True, slots=True)
class OvsPort:
    bridge: str
    name: str
    ofport: int
    dp_port: int | None  # ovs-dpctl port number (None: not in the datapath, e.g. patch)
    type: str = ""  # "" (system) | internal | patch | vxlan
    tag: int | None = None
    options: tuple[tuple[str, str], ...] = ()
    external_ids: tuple[tuple[str, str], ...] = ()
    mac: str | None = None
    port_id: str | None = None  # Neutron port behind it


@dataclass(frozen=True, slots=True)
class Bridge:
    """A vConnector. kind: ovs | linux | vpp. `bridge_id`: Linux 8000.<mac>, OVS datapath
    id, VPP bridge-domain id."""

    name: str
    kind: str
    bridge_id: str
    interfaces: tuple[str, ...]
    mac: str = ""
    network_id: str | None = None  # qbr/brq/bridge domain: the one network it carries


@dataclass(frozen=True, slots=True)
class Namespace:
    name: str  # qdhcp-<net> | qrouter-<router> | ovnmeta-<net>
    kind: str  # dhcp | router | metadata
    owner_id: str  # network id / router id
    devs: tuple[LinkDev, ...]
    netns_id: int = 0


@dataclass(frozen=True, slots=True)
class DomainIface:
    port_id: str
    mac: str
    type: str  # bridge | vhostuser
    target: str  # tap dev, or vhost socket path for vhostuser
    source_bridge: str | None
    virtualport: str | None  # "openvswitch" when plugged straight into br-int


@dataclass(frozen=True, slots=True)
class Domain:
    instance_id: str
    name: str  # instance-0000xxxx
    domain_id: int
    interfaces: tuple[DomainIface, ...]


@dataclass(frozen=True, slots=True)
class VppInterface:
    name: str
    sw_if_index: int
    mac: str
    port_id: str | None = None
    bd_id: int | None = None


@dataclass(frozen=True, slots=True)
class Tunnel:
    """One tunnel endpoint pair seen from this host (OVS port, LXB fdb entry, VPP tunnel)."""

    name: str  # vxlan-<remote hex> (OVS); vxlan-<vni> (LXB); vxlan_tunnel<n> (VPP)
    local_ip: str
    remote_ip: str
    remote_host: str
    ofport: int | None = None


@dataclass(slots=True)
class HostWiring:
    host: str
    driver: str
    devs: list[LinkDev] = field(default_factory=list)  # root namespace
    bridges: dict[str, Bridge] = field(default_factory=dict)
    ovs_ports: list[OvsPort] = field(default_factory=list)
    namespaces: dict[str, Namespace] = field(default_factory=dict)
    domains: list[Domain] = field(default_factory=list)
    vpp_interfaces: list[VppInterface] = field(default_factory=list)
    tunnels: list[Tunnel] = field(default_factory=list)
    datapath_id: dict[str, str] = field(default_factory=dict)

    def ovs_port(self, name: str) -> OvsPort | None:
        return next((p for p in self.ovs_ports if p.name == name), None)


def derived_mac(*parts: str) -> str:
    """A stable locally administered MAC for a device the kernel would invent."""
    digest = hashlib.sha1("/".join(parts).encode()).digest()
    return ":".join(f"{b:02x}" for b in (0x02 | (digest[0] & 0xFC), *digest[1:6]))


def l2_neighbours(cloud: CloudIndex, host: Host) -> list[Host]:
    """Remote tunnel endpoints: all agents' hosts (of the region), or with l2population only
    the hosts that share a tunnelled network with this one. In cloud host order."""
    if cloud.spec.type_driver != "vxlan":
        return []
    if not cloud.spec.l2_population:
        return [h for h in cloud.hosts.values() if h.name != host.name and _has_l2(cloud, h)
                and h.region == host.region]  # each region's Neutron has its own agents
    net_hosts = _network_hosts(cloud)
    names: set[str] = set()
    for port in cloud.ports_on_host(host.name):
        if cloud.networks[port.network_id].network_type == "vxlan":
            names.update(net_hosts.get(port.network_id, ()))
    names.discard(host.name)
    return sorted((cloud.hosts[n] for n in names), key=lambda h: h.index)


def network_neighbours(cloud: CloudIndex, host: Host, network_id: str) -> list[Host]:
    """Remote hosts that get this network's tunnelled traffic (l2population: the hosts
    with a port on it; else every L2 host). In cloud host order."""
    if not cloud.spec.l2_population:
        return [h for h in cloud.hosts.values() if h.name != host.name and _has_l2(cloud, h)
                and h.region == host.region]  # each region's Neutron has its own agents
    names = _network_hosts(cloud).get(network_id, set()) - {host.name}
    return sorted((cloud.hosts[n] for n in names), key=lambda h: h.index)


def _has_l2(cloud: CloudIndex, host: Host) -> bool:
    return host.is_compute or host.is_network


def _network_hosts(cloud: CloudIndex) -> dict[str, set[str]]:
    cached = cloud._wiring_cache.get("\0net_hosts")
    if cached is None:
        cached = {}
        for port in cloud.ports.values():
            if port.host:
                cached.setdefault(port.network_id, set()).add(port.host)
        cloud._wiring_cache["\0net_hosts"] = cached
    return cached


def derive_wiring(cloud: CloudIndex, host: Host) -> HostWiring:
    from calipso.sim import wiring_drivers  # the drivers build on this module's types

    wiring = HostWiring(host=host.name, driver=cloud.spec.driver)
    wiring.devs.extend(physical_devs(host))
    ports = cloud.ports_on_host(host.name)
    if cloud.spec.driver == "ovs":
        wiring_drivers.wire_ovs(cloud, host, ports, wiring)
    elif cloud.spec.driver == "lxb":
        wiring_drivers.wire_lxb(cloud, host, ports, wiring)
    elif cloud.spec.driver == "ovn":
        from calipso.sim.wiring_ovn import wire_ovn

        wire_ovn(cloud, host, ports, wiring)
    else:
        wiring_drivers.wire_vpp(cloud, host, ports, wiring)
    wiring.domains.extend(domains(cloud, host, wiring))
    return wiring


def physical_devs(host: Host) -> Iterable[LinkDev]:
    yield LinkDev("lo", "lo", "00:00:00:00:00:00", 65536, addresses=("127.0.0.1/8",))
    for nic in host.pnics:
        yield LinkDev(nic.name, "phys", nic.mac, 9000 if nic.master else 1500,
                      master=nic.master, addresses=(nic.ip,) if nic.ip else ())
    for bond in host.bonds:
        yield LinkDev(bond.name, "bond", bond.mac, 9000,
                      addresses=(bond.ip,) if bond.ip else ())


def namespace_devs(cloud: CloudIndex, ports: list[Port], ns_index: int) -> tuple[LinkDev, ...]:
    devs = [LinkDev("lo", "lo", "00:00:00:00:00:00", 65536, addresses=("127.0.0.1/8",))]
    for port in ports:
        net = cloud.networks[port.network_id]
        addrs = tuple(f"{ip.ip_address}/{cloud.subnets[ip.subnet_id].cidr.split('/')[1]}"
                      for ip in port.fixed_ips)
        kind = "veth" if port.vif_type == "bridge" else "internal"
        devs.append(LinkDev(ns_devname(port), kind, port.mac, net.mtu, addresses=addrs,
                            peer="tap" + port.id[:11] if kind == "veth" else None))
    return tuple(devs)


def namespaces(cloud: CloudIndex, host: Host, ports: list[Port]) -> dict[str, Namespace]:
    """qdhcp-<net> for networks this host's DHCP agent serves, qrouter-<id> for its routers."""
    out: dict[str, Namespace] = {}
    if not host.is_network:
        return out
    by_device: dict[str, list[Port]] = {}
    for port in ports:
        by_device.setdefault(port.device_id, []).append(port)
    for port in ports:
        if port.device_owner == OWNER_DHCP:
            name = f"qdhcp-{port.network_id}"
            out[name] = Namespace(name, "dhcp", port.network_id,
                                  namespace_devs(cloud, [port], len(out)), len(out))
    for router in cloud.routers.values():
        if router.host == host.name:
            name = f"qrouter-{router.id}"
            rports = by_device.get(router.id, [])
            out[name] = Namespace(name, "router", router.id,
                                  namespace_devs(cloud, rports, len(out)), len(out))
    return out


def domains(cloud: CloudIndex, host: Host, wiring: HostWiring) -> Iterable[Domain]:
    hybrid = cloud.spec.hybrid_plug
    for inst in cloud.instances_on_host(host.name):
        ifaces = []
        for port_id in inst.port_ids:
            port = cloud.ports[port_id]
            tap = "tap" + port.id[:11]
            if cloud.spec.driver == "vpp":
                ifaces.append(DomainIface(port.id, port.mac, "vhostuser",
                                          port.vif_details.get("vhostuser_socket", ""),
                                          None, None))
            elif cloud.spec.driver == "lxb":
                ifaces.append(DomainIface(port.id, port.mac, "bridge", tap,
                                          "brq" + port.network_id[:11], None))
            elif hybrid:
                ifaces.append(DomainIface(port.id, port.mac, "bridge", tap,
                                          "qbr" + port.id[:11], None))
            else:
                ifaces.append(DomainIface(port.id, port.mac, "bridge", tap, "br-int",
                                          "openvswitch"))
        yield Domain(inst.uuid, inst.libvirt_name, inst.domain_id, tuple(ifaces))


def tap_dev(port: Port, net: Network, master: str | None) -> LinkDev:
    """The host side of an instance's tap (MAC fe:16:3e:…)."""
    return LinkDev("tap" + port.id[:11], "tap", tap_host_mac(port.mac), net.mtu, master=master)


def linux_bridge(name: str, members: list[LinkDev], network_id: str | None) -> Bridge:
    mac = min((d.mac for d in members), default=derived_mac(name))
    return Bridge(name, "linux", linux_bridge_id(mac), tuple(d.name for d in members), mac,
                  network_id)


def is_instance_port(port: Port) -> bool:
    return port.device_owner == OWNER_COMPUTE


def ovs_tunnel_name(remote_ip: str) -> str:
    return "vxlan-" + ip_hex(remote_ip)


@dataclass(frozen=True, slots=True)
class VppIf:
    name: str
    index: int
    mac: str | None
    bd_id: int | None
    state: str


def vpp_interfaces(wiring: HostWiring) -> list[VppIf]:
    """Every interface VPP lists, in index order, with its bridge domain."""
    member_bd: dict[str, int] = {}
    for bridge in wiring.bridges.values():
        if bridge.kind == "vpp":
            for name in bridge.interfaces:
                member_bd[name] = int(bridge.bridge_id)
    result = []
    known = set()
    for iface in wiring.vpp_interfaces:
        state = "down" if iface.name == "local0" else "up"
        mac = None if iface.name == "local0" else iface.mac
        result.append(VppIf(iface.name, iface.sw_if_index, mac, member_bd.get(iface.name),
                            state))
        known.add(iface.name)
    next_index = max((i.index for i in result), default=0) + 1
    for name in sorted(set(member_bd) - known, key=lambda n: member_bd[n]):
        result.append(VppIf(name, next_index, None, member_bd[name], "up"))
        next_index += 1
    return sorted(result, key=lambda i: i.index)
