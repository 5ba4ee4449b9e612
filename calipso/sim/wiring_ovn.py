"""ML2/OVN host wiring: one integration bridge per chassis, Geneve tunnels to every other
chassis, `ovnmeta-<network>` namespaces, no L2 agent (see README "ML2/OVN").

- **Chassis**: every L2 host runs ovn-controller; its chassis name (OVS
  `external_ids:system-id`) is the id of its Neutron "OVN Controller (Gateway) agent".
- **br-int**: its own internal port (datapath 1), the instance taps with `external_ids`
  iface-id/attached-mac/vm-uuid (no local VLAN tags: OVN needs none), a Geneve port
  `ovn-<remote chassis[:6]>-0` per other chassis (all in datapath port 3,
  `genev_sys_6081`), and the host side `tap<network[:10]>0` of each metadata veth.
- **br-ex** where `has_provider_bridge`: patched to br-int by
  `patch-br-int-to-provnet-physnet1` / `patch-provnet-physnet1-to-br-int`, with the
  provider NIC.
- **Metadata**: on a compute, `ovnmeta-<network>` for each network with an instance port
  there whose network has a metadata port (`network:distributed`); inside it
  `tap<network[:10]>1` with that port's MAC and addresses plus 169.254.169.254/32.
- Router ports bound to the gateway host make no device: OVN routes in its flows.
- **DHCP**: no device either. Each subnet with DHCP has the options Neutron writes into
  its `DHCP_Options` row (`dhcp_options`); a port's logical switch port names its first
  subnet's row (`port_dhcp_subnet`), and the chassis its port is bound to answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from calipso.sim.model import OWNER_COMPUTE, OWNER_DISTRIBUTED, Host, Port
from calipso.sim.wiring import (
    Bridge,
    HostWiring,
    LinkDev,
    Namespace,
    OvsPort,
    Tunnel,
    derived_mac,
    namespace_devs,
    tap_dev,
)
from calipso.sim.wiring_drivers import (
    OFPORT_LOCAL,
    PHYS_BRIDGE,
    has_provider_bridge,
    has_tunnels,
    port_external_ids,
)

if TYPE_CHECKING:
    from calipso.sim.cloud_index import CloudIndex

OVN_BINARY = "ovn-controller"
GENEVE_PORT = 6081
GENEVE_DEV = "genev_sys_6081"
GENEVE_DP_PORT = 3
METADATA_BASE = 1000  # datapath/ofport of a metadata veth: this + the network's local number
TUNNEL_OFPORT_BASE = 10000
METADATA_ADDRESS = "169.254.169.254/32"
PATCH_INT = "patch-br-int-to-provnet-physnet1"
PATCH_EX = "patch-provnet-physnet1-to-br-int"
DHCP_LEASE_TIME = 43200  # Neutron's [ovn] dhcp_default_lease_time


def _chassis(cloud: CloudIndex) -> dict[str, str]:
    """Host name -> chassis name (its ovn-controller agent's id), in host order; cached
    with the wiring until the next change."""
    cached = cloud._wiring_cache.get("\0chassis")
    if cached is None:
        cached = {a.host: a.id for a in cloud.agents.values() if a.binary == OVN_BINARY}
        cached = {h: cached[h] for h in cloud.hosts if h in cached}
        cloud._wiring_cache["\0chassis"] = cached
    return cached


def chassis_name(cloud: CloudIndex, host: str) -> str | None:
    """The host's chassis name, None off OVN."""
    return _chassis(cloud).get(host)


def chassis_hosts(cloud: CloudIndex) -> list[Host]:
    return [cloud.hosts[h] for h in _chassis(cloud)]


def ovn_tunnel_name(chassis: str) -> str:
    return f"ovn-{chassis[:6]}-0"


def metadata_veth(network_id: str) -> tuple[str, str]:
    """(the br-int side, the namespace side) of a network's metadata veth."""
    return f"tap{network_id[:10]}0", f"tap{network_id[:10]}1"


def metadata_port(cloud: CloudIndex, network_id: str) -> Port | None:
    """The network's metadata port (cached with the wiring until the next change)."""
    cached = cloud._wiring_cache.get("\0metadata")
    if cached is None:
        cached = {p.network_id: p for p in cloud.ports.values()
                  if p.device_owner == OWNER_DISTRIBUTED}
        cloud._wiring_cache["\0metadata"] = cached
    return cached.get(network_id)


def metadata_networks(cloud: CloudIndex, host: Host, ports: list[Port]) -> list[str]:
    """Networks with an `ovnmeta-` namespace on this host, in port order."""
    if not host.is_compute:
        return []
    nets = dict.fromkeys(p.network_id for p in ports if p.device_owner == OWNER_COMPUTE)
    return [n for n in nets if metadata_port(cloud, n) is not None]


def dhcp_options(cloud: CloudIndex, subnet_id: str) -> dict[str, str] | None:
    """The options of a subnet's `DHCP_Options` row as Neutron writes them; None when it
    has none (DHCP off, or neither a gateway nor a metadata port address to serve from)."""
    sub = cloud.subnets[subnet_id]
    if not sub.enable_dhcp:
        return None
    md = metadata_port(cloud, sub.network_id)
    md_ip = next((ip.ip_address for ip in md.fixed_ips if ip.subnet_id == sub.id),
                 None) if md else None
    server = sub.gateway_ip or md_ip
    if server is None:
        return None
    options = {"lease_time": str(DHCP_LEASE_TIME), "mtu": str(cloud.networks[sub.network_id].mtu),
               "server_id": server, "server_mac": dhcp_server_mac(sub.id)}
    if sub.gateway_ip:
        options["router"] = sub.gateway_ip
    if md_ip:
        routes = [f"{METADATA_ADDRESS},{md_ip}", *([f"0.0.0.0/0,{sub.gateway_ip}"]
                                              if sub.gateway_ip else [])]
        options["classless_static_route"] = "{" + ", ".join(routes) + "}"
    if sub.dns_nameservers:
        options["dns_server"] = "{" + ", ".join(sub.dns_nameservers) + "}"
    return options


def dhcp_server_mac(subnet_id: str) -> str:
    """The MAC OVN answers DHCP from (Neutron picks a random one under its base MAC)."""
    return "fa:16:3e:" + derived_mac("ovn-dhcp", subnet_id)[9:]


def port_dhcp_subnet(cloud: CloudIndex, port: Port) -> str | None:
    """The subnet whose `DHCP_Options` the port's logical switch port names: its first
    address' (the simulator's subnets are IPv4); none for Neutron's own `network:` ports."""
    if port.device_owner.startswith("network:") or not port.fixed_ips:
        return None
    subnet = port.fixed_ips[0].subnet_id
    return subnet if dhcp_options(cloud, subnet) is not None else None


def wire_ovn(cloud: CloudIndex, host: Host, ports: list[Port], w: HostWiring) -> None:
    if not (host.is_compute or host.is_network):
        return
    alloc = cloud.alloc[host.name]
    phys = has_provider_bridge(cloud.spec, host)
    w.devs.append(LinkDev("ovs-system", "openvswitch", derived_mac(host.name, "ovs-system"),
                          1500))
    int_ports = [OvsPort("br-int", "br-int", OFPORT_LOCAL, 1, "internal")]
    for name in ("br-int", *([PHYS_BRIDGE] if phys else [])):
        w.datapath_id[name] = "0000" + derived_mac(host.name, name).replace(":", "")
        w.devs.append(LinkDev(name, "openvswitch", derived_mac(host.name, name), 1500,
                              master="ovs-system"))
    if has_tunnels(cloud.spec, host):
        for remote_name, chassis in _chassis(cloud).items():
            if remote_name == host.name:
                continue
            remote = cloud.hosts[remote_name]
            name = ovn_tunnel_name(chassis)
            ofport = TUNNEL_OFPORT_BASE + remote.index
            options = (("csum", "true"), ("key", "flow"), ("remote_ip", remote.tunnel_ip))
            int_ports.append(OvsPort("br-int", name, ofport, GENEVE_DP_PORT, "geneve",
                                     options=options))
            w.tunnels.append(Tunnel(name, host.tunnel_ip, remote.tunnel_ip, remote.name,
                                    ofport))
        w.devs.append(LinkDev(GENEVE_DEV, "geneve", derived_mac(host.name, GENEVE_DEV),
                              65000, master="ovs-system"))
    if phys:
        int_ports.append(OvsPort("br-int", PATCH_INT, 2, None, "patch",
                                 options=(("peer", PATCH_EX),)))
        w.ovs_ports.extend([
            OvsPort(PHYS_BRIDGE, PHYS_BRIDGE, OFPORT_LOCAL, 4, "internal"),
            OvsPort(PHYS_BRIDGE, PATCH_EX, 1, None, "patch", options=(("peer", PATCH_INT),)),
            OvsPort(PHYS_BRIDGE, host.provider_iface, 2, 5),
        ])
    for port in ports:
        if port.device_owner != OWNER_COMPUTE:
            continue
        dp, ofport, _ = alloc.ports[port.id]
        w.devs.append(tap_dev(port, cloud.networks[port.network_id], "ovs-system"))
        int_ports.append(OvsPort("br-int", "tap" + port.id[:11], ofport, dp,
                                 external_ids=port_external_ids(port, port.device_id), mac=port.mac,
                                 port_id=port.id))
    for net_id in metadata_networks(cloud, host, ports):
        md = metadata_port(cloud, net_id)
        assert md is not None
        outer, inner = metadata_veth(net_id)
        number = METADATA_BASE + (alloc.tag(net_id) or 0)
        ns_name = f"ovnmeta-{net_id}"
        mtu = cloud.networks[net_id].mtu
        w.devs.append(LinkDev(outer, "veth", derived_mac(host.name, outer), mtu,
                              master="ovs-system", peer=inner, peer_netns=ns_name))
        int_ports.append(OvsPort("br-int", outer, number, number,
                                 external_ids=(("iface-id", md.id),), mac=md.mac,
                                 port_id=md.id))
        lo, dev = namespace_devs(cloud, [md], len(w.namespaces))
        inside = LinkDev(inner, "veth", md.mac, mtu,
                         addresses=(*dev.addresses, METADATA_ADDRESS), peer=outer)
        w.namespaces[ns_name] = Namespace(ns_name, "metadata", net_id, (lo, inside),
                                          len(w.namespaces))
    w.ovs_ports[:0] = int_ports
    for name in w.datapath_id:
        names = tuple(p.name for p in w.ovs_ports if p.bridge == name)
        w.bridges[name] = Bridge(name, "ovs", w.datapath_id[name], names,
                                 derived_mac(host.name, name))
