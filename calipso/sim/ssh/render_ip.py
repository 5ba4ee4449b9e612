"""iproute2 output from a host's wiring: `ip link show`, `ip -d link show`, `ip address show`,
`ip route`, `ip netns list`, inside and outside namespaces.

Pure functions: they read a `HostWiring` (and, for routes, the gateways the caller looked
up) and return the text the real tool prints (iproute2 6.x layout, as in the captures under
`shared/fixtures/cli/{ovs,lxb,generic}`). Interface indexes come from an `ifindex` mapping
the caller keeps stable (`stable_ifindexes`), as the kernel never renumbers a device.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from calipso.sim.wiring import HostWiring, LinkDev, Namespace

_TAIL = ("addrgenmode {mode} numtxqueues {q} numrxqueues {q} gso_max_size 65536 "
         "gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536")
_BRIDGE_KIND = ("bridge forward_delay 0 hello_time 200 max_age 2000 ageing_time 30000 "
                "stp_state 0 priority 32768 vlan_filtering 0 vlan_protocol 802.1Q "
                "bridge_id {bid} designated_root {bid} root_port 0 root_path_cost 0 "
                "topology_change 0 topology_change_detected 0 vlan_default_pvid 1 "
                "mcast_snooping 1 nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0")
_BRIDGE_SLAVE = ("bridge_slave state forwarding priority 32 cost 2 hairpin off guard off "
                 "root_block off fastleave off learning on flood on port_id 0x{pid:04x} "
                 "port_no 0x{no:x} designated_port {dport} designated_cost 0 "
                 "designated_bridge {bid} designated_root {bid} mcast_router 1 "
                 "mcast_flood on bcast_flood on neigh_suppress off isolated off")
_BOND_KIND = ("bond mode 802.3ad miimon 100 updelay 0 downdelay 0 peer_notify_delay 0 "
              "use_carrier 1 arp_interval 0 arp_validate none arp_all_targets any "
              "primary_reselect always fail_over_mac none xmit_hash_policy layer3+4 "
              "resend_igmp 1 num_grat_arp 1 all_slaves_active 0 min_links 0 lp_interval 1 "
              "packets_per_slave 1 lacp_active on lacp_rate fast ad_select stable")


@dataclass(frozen=True, slots=True)
class DevView:
    """What the renderer needs beyond the `LinkDev`: index, peer text, enslavement."""

    dev: LinkDev
    index: int
    at: str | None  # text after "@": peer name or ifN
    master: str | None
    slave_kind: str | None  # bridge_slave | openvswitch_slave | bond_slave
    link_netns: str | None  # root veth whose peer is in a namespace
    link_netnsid: int | None  # namespace veth whose peer is in the root namespace
    port_no: int = 0  # position on its Linux bridge (bridge_slave port_no)
    bridge_id: str = ""  # its Linux bridge's id (bridge_slave designated_bridge)


def stable_ifindexes(devs: Iterable[LinkDev], known: dict[str, int]) -> dict[str, int]:
    """Indexes for `devs`, keeping those in `known` and giving new names the next free
    numbers (as the kernel does: an index is never reused while the sim runs). `known` is
    updated in place; the result holds only the current devices."""
    result: dict[str, int] = {}
    for dev in devs:
        index = known.get(dev.name)
        if index is None:
            index = known[dev.name] = max(known.values(), default=0) + 1
        result[dev.name] = index
    return result


def order_ifindexes(devs: Sequence[LinkDev]) -> dict[str, int]:
    return {dev.name: pos + 1 for pos, dev in enumerate(devs)}


def bridge_id_text(mac: str) -> str:
    """`ip -d` prints a bridge id with unpadded hex bytes: 8000.0:15:5d:bf:ba:55."""
    return "8000." + ":".join(f"{int(part, 16):x}" for part in mac.split(":"))


def root_views(wiring: HostWiring, ifindex: Mapping[str, int] | None = None,
               only: str | None = None) -> list[DevView]:
    """The root namespace's devices (or just `only`) with what `ip` prints about their
    relations."""
    index = ifindex or order_ifindexes(wiring.devs)
    ovs_system = {p.name for p in wiring.ovs_ports if p.type in ("", "system")}
    bridge_pos: dict[str, tuple[int, str]] = {}
    bridge_of: dict[str, str] = {}
    for bridge in wiring.bridges.values():
        if bridge.kind == "linux":
            for pos, name in enumerate(bridge.interfaces, start=1):
                bridge_pos[name] = (pos, bridge_id_text(bridge.mac))
                bridge_of[name] = bridge.name
    ns_index = {(ns.name, d.name): pos + 1 for ns in wiring.namespaces.values()
                for pos, d in enumerate(ns.devs)}
    views = []
    for dev in wiring.devs:
        if only is not None and dev.name != only:
            continue
        master = None if dev.kind == "openvswitch" else dev.master
        if master is None and dev.name in ovs_system:
            master = "ovs-system"
        if master is None:  # e.g. the provider NIC enslaved to a flat network's brq
            master = bridge_of.get(dev.name)
        slave_kind = None
        if master == "ovs-system":
            slave_kind = "openvswitch_slave"
        elif master is not None:
            slave_kind = "bond_slave" if dev.kind == "phys" and master.startswith("bond") \
                else "bridge_slave"
        at = None
        if dev.kind == "vlan" and dev.parent:
            at = dev.parent
        elif dev.peer and dev.peer_netns:
            at = f"if{ns_index.get((dev.peer_netns, dev.peer), 2)}"
        elif dev.peer:
            at = dev.peer
        pos, bid = bridge_pos.get(dev.name, (0, ""))
        views.append(DevView(dev, index.get(dev.name, 0), at, master, slave_kind,
                             dev.peer_netns if dev.peer else None, None, pos, bid))
    return views


def namespace_views(ns: Namespace, root_index: Mapping[str, int]) -> list[DevView]:
    views = []
    for pos, dev in enumerate(ns.devs, start=1):
        at = f"if{root_index.get(dev.peer, 0)}" if dev.peer else None
        views.append(DevView(dev, pos, at, None, None, None, 0 if dev.peer else None))
    return views


def _flags_state(view: DevView) -> tuple[str, str, str]:
    """(flags, qdisc, state) as the header line prints them."""
    kind = view.dev.kind
    name = view.dev.name
    if kind == "lo":
        return "LOOPBACK,UP,LOWER_UP", "noqueue", "UNKNOWN"
    if name in ("ovs-system", "br-tun"):
        return "BROADCAST,MULTICAST", "noop", "DOWN"
    if kind == "phys":
        flags = "BROADCAST,MULTICAST,SLAVE,UP,LOWER_UP" if view.slave_kind == "bond_slave" \
            else "BROADCAST,MULTICAST,UP,LOWER_UP"
        return flags, "mq", "UP"
    if kind == "bond":
        return "BROADCAST,MULTICAST,MASTER,UP,LOWER_UP", "noqueue", "UP"
    if kind in ("openvswitch", "vxlan", "geneve", "tap", "internal"):
        return "BROADCAST,MULTICAST,UP,LOWER_UP", "noqueue", "UNKNOWN"
    return "BROADCAST,MULTICAST,UP,LOWER_UP", "noqueue", "UP"  # veth, bridge, vlan


def _header(view: DevView, with_mode: bool) -> str:
    flags, qdisc, state = _flags_state(view)
    name = f"{view.dev.name}@{view.at}" if view.at else view.dev.name
    master = f" master {view.master}" if view.master else ""
    mode = " mode DEFAULT" if with_mode else ""
    return (f"{view.index}: {name}: <{flags}> mtu {view.dev.mtu} qdisc {qdisc}{master} "
            f"state {state}{mode} group default qlen 1000")


def _link_line(view: DevView, details: bool) -> str:
    dev = view.dev
    if dev.kind == "lo":
        line = "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"
    else:
        line = f"    link/ether {dev.mac} brd ff:ff:ff:ff:ff:ff"
    if view.link_netns:
        line += f" link-netns {view.link_netns}"
    elif view.link_netnsid is not None:
        line += f" link-netnsid {view.link_netnsid}"
    if details:
        promisc = 1 if view.master or dev.kind == "openvswitch" else 0
        minmtu = 0 if dev.kind == "lo" else 68
        maxmtu = 0 if dev.kind == "lo" else 65535
        line += f" promiscuity {promisc}  allmulti 0 minmtu {minmtu} maxmtu {maxmtu}"
    return line


def _kind_lines(view: DevView) -> list[str]:
    dev = view.dev
    if dev.kind == "vxlan" and dev.vni is None:  # OVS's kernel datapath tunnel device
        return ["vxlan external id 0 srcport 0 0 dstport 4789 nolearning ttl auto ageing 300 "
                "udpcsum noudp6zerocsumtx udp6zerocsumrx"]
    if dev.kind == "geneve":  # OVS's kernel datapath Geneve device (ML2/OVN)
        return ["geneve external id 0 ttl auto dstport 6081 udp6zerocsumrx"]
    if dev.kind == "vxlan":
        return [f"vxlan id {dev.vni} local {dev.local_ip} dev {dev.parent} srcport 0 0 "
                "dstport 8472 ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx"]
    if dev.kind == "vlan":
        return [f"vlan protocol 802.1Q id {dev.vlan_id} <REORDER_HDR>"]
    if dev.kind == "tap":
        return ["tun type tap pi off vnet_hdr on persist off"]
    if dev.kind == "veth":
        return ["veth"]
    if dev.kind in ("openvswitch", "internal"):
        return ["openvswitch"]
    if dev.kind == "bridge":
        return [_BRIDGE_KIND.format(bid=bridge_id_text(dev.mac))]
    if dev.kind == "bond":
        return [_BOND_KIND]
    return []


def _slave_line(view: DevView) -> str | None:
    if view.slave_kind == "bridge_slave":
        return _BRIDGE_SLAVE.format(pid=0x8000 + view.port_no, no=view.port_no,
                                    dport=0x8000 + view.port_no, bid=view.bridge_id)
    if view.slave_kind == "bond_slave":
        return ("bond_slave state ACTIVE mii_status UP link_failure_count 0 "
                f"perm_hwaddr {view.dev.mac} queue_id 0 prio 0 "
                "ad_aggregator_id 1 ad_actor_oper_port_state 63")
    return view.slave_kind


def _detail_lines(view: DevView) -> list[str]:
    """The `ip -d` kind / slave lines; the generic tail goes on the last line."""
    lines = _kind_lines(view)
    slave = _slave_line(view)
    if slave:
        lines.append(slave)
    queues = 64 if view.dev.kind == "phys" else 1
    mode = "none" if view.dev.kind == "phys" else "eui64"
    tail = _TAIL.format(mode=mode, q=queues)
    if not lines:
        return [tail]  # appended to the link/ line
    lines[-1] += " " + tail
    return ["    " + line for line in lines]


def _link6(mac: str) -> str:
    """The EUI-64 link-local address the kernel derives from a MAC."""
    parts = [int(part, 16) for part in mac.split(":")]
    parts[0] ^= 0x02
    eui = [*parts[:3], 0xFF, 0xFE, *parts[3:]]
    words = [f"{eui[i] << 8 | eui[i + 1]:x}" for i in range(0, 8, 2)]
    return str(ipaddress.IPv6Address("fe80::" + ":".join(words)))


def _address_lines(view: DevView) -> list[str]:
    dev = view.dev
    lines = []
    for addr in dev.addresses:
        iface = ipaddress.IPv4Interface(addr)
        scope = "host" if dev.kind == "lo" else "global"
        brd = "" if dev.kind == "lo" else f" brd {iface.network.broadcast_address}"
        lines.append(f"    inet {addr}{brd} scope {scope} {dev.name}")
        lines.append("       valid_lft forever preferred_lft forever")
    if dev.kind == "lo":
        lines.append("    inet6 ::1/128 scope host noprefixroute")
        lines.append("       valid_lft forever preferred_lft forever")
    elif dev.addresses:
        lines.append(f"    inet6 {_link6(dev.mac)}/64 scope link")
        lines.append("       valid_lft forever preferred_lft forever")
    return lines


def render_link(views: Sequence[DevView], *, details: bool = False) -> str:
    """`ip link show` / `ip -d link show` of these devices."""
    out: list[str] = []
    for view in views:
        out.append(_header(view, with_mode=True))
        link = _link_line(view, details)
        if details:
            extra = _detail_lines(view)
            if extra and not extra[0].startswith("    "):
                link += " " + extra.pop(0)
            out.append(link)
            out.extend(extra)
        else:
            out.append(link)
    return "\n".join(out) + "\n"


def render_address(views: Sequence[DevView]) -> str:
    """`ip address show` of these devices."""
    out: list[str] = []
    for view in views:
        out.append(_header(view, with_mode=False))
        out.append(_link_line(view, details=False))
        out.extend(_address_lines(view))
    return "\n".join(out) + "\n"


def render_routes(devs: Sequence[LinkDev], gateways: Mapping[str, str],
                  default_dev: str | None) -> str:
    """`ip route`: a default route via `gateways[cidr]` of `default_dev`'s network, and one
    kernel route per address."""
    out: list[str] = []
    kernel: list[str] = []
    for dev in devs:
        if dev.kind == "lo":
            continue
        for addr in dev.addresses:
            iface = ipaddress.IPv4Interface(addr)
            cidr = str(iface.network)
            if dev.name == default_dev and cidr in gateways and not out:
                out.append(f"default via {gateways[cidr]} dev {dev.name} proto static")
            kernel.append(f"{cidr} dev {dev.name} proto kernel scope link src {iface.ip}")
    text = "\n".join(out + kernel)
    return text + "\n" if text else ""


def render_netns_list(wiring: HostWiring, present: list[str] | None = None) -> str:
    """`ip netns list`, current iproute2 form `NAME (id: N)`, newest first."""
    names = [f"{ns.name} (id: {ns.netns_id})" for ns in wiring.namespaces.values()
             if present is None or ns.name in present]
    return "".join(line + "\n" for line in reversed(names))
