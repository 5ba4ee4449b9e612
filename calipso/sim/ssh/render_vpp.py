"""FD.io VPP's `vppctl show version|interface [addr]|mode|hardware-interfaces` from a host's
wiring.

Current VPP layouts (24.x: `show int` with the MTU column; the old 16.09 captures under
`cli/vpp/` lack it, and the parsers read both). Interfaces are
`calipso.sim.wiring.vpp_interfaces` (the wiring's VPP interfaces plus the `.VLAN`
sub-interfaces of the uplink and `vxlan_tunnelN`; the truth's vEdge ports use the same
list). Pure functions.
"""

from __future__ import annotations

import hashlib

from calipso.sim.wiring import VPP_UPLINK, VppIf

VPP_VERSION = "v24.02-release"


def render_show_version(host: str) -> str:
    return f"vpp {VPP_VERSION} built by root on {host} at 2024-02-28T10:29:49\n"


def _count(name: str, counter: str) -> int:
    return int.from_bytes(hashlib.sha1(f"{name}/{counter}".encode()).digest()[:3], "big")


def render_show_int(interfaces: list[VppIf]) -> str:
    lines = ["              Name               Idx    State  MTU (L3/IP4/IP6/MPLS)     "
             "Counter          Count     "]
    for iface in interfaces:
        mtu = "0/0/0/0" if iface.name == "local0" else "9000/0/0/0"
        head = f"{iface.name:<32}{iface.index:>4}{iface.state:>10}{mtu:>16}     "
        if iface.state != "up":
            lines.append(head)
            continue
        counters = ("rx packets", "rx bytes", "tx packets", "tx bytes")
        for pos, counter in enumerate(counters):
            value = _count(iface.name, counter)
            prefix = head if pos == 0 else " " * len(head)
            lines.append(f"{prefix}{counter:<18}{value:>10}")
    return "\n".join(lines) + "\n"


def render_show_mode(interfaces: list[VppIf]) -> str:
    lines = []
    for iface in interfaces:
        if iface.bd_id is None:
            lines.append(f"l3 {iface.name}  ")
        else:
            shg = 1 if iface.name.startswith("vxlan_tunnel") else 0
            lines.append(f"l2 bridge {iface.name} bd_id {iface.bd_id} shg {shg}")
    return "\n".join(lines) + "\n"


def _hardware(iface: VppIf) -> str:
    if iface.name == VPP_UPLINK or iface.name.startswith(VPP_UPLINK + "."):
        return "Intel 82599"
    if iface.name.startswith("VirtualEthernet"):
        return "VirtualEthernet"
    if iface.name.startswith("tap"):
        return "virtio"
    if iface.name.startswith("vxlan_tunnel"):
        return "VXLAN"
    return "local"


def render_show_hardware(interfaces: list[VppIf]) -> str:
    lines = ["              Name                Idx   Link  Hardware"]
    for iface in interfaces:
        lines.append(f"{iface.name:<32} {iface.index:>3}{iface.state:>7}   {iface.name}")
        lines.append("  Link speed: " + ("10 Gbps" if _hardware(iface) == "Intel 82599"
                                         else "unknown"))
        if iface.mac:
            lines.append(f"  Ethernet address {iface.mac}")
        lines.append(f"  {_hardware(iface)}")
        if _hardware(iface) == "Intel 82599":
            lines += ["    carrier up full duplex mtu 9000 ",
                      "    rx queues 1, rx desc 1024, tx queues 2, tx desc 1024",
                      "    cpu socket 0"]
    return "\n".join(lines) + "\n"


def render_show_int_addr(interfaces: list[VppIf], l3: dict[str, list[str]]) -> str:
    """`vppctl show int addr`: per interface its L2 bridge membership (as VPP prints it:
    `L2 bridge bd-id N idx I shg S` and a blank where `bvi` would be) and its L3
    addresses (`l3[name]`, `ADDR/LEN`)."""
    bd_index = {bd: pos for pos, bd in enumerate(sorted({i.bd_id for i in interfaces
                                                          if i.bd_id is not None}), start=1)}
    lines = []
    for iface in interfaces:
        lines.append(f"{iface.name} ({'up' if iface.state == 'up' else 'dn'}):")
        if iface.bd_id is not None:
            shg = 1 if iface.name.startswith("vxlan_tunnel") else 0
            lines.append(f"  L2 bridge bd-id {iface.bd_id} idx {bd_index[iface.bd_id]} "
                         f"shg {shg}  ")
        lines.extend(f"  L3 {address}" for address in l3.get(iface.name, ()))
    return "\n".join(lines) + "\n"
