"""Linux bridge tools from a host's wiring: `brctl show` and `bridge fdb show`.

Pure functions. `brctl show` uses bridge-utils' tab layout (header, one row per bridge with
its first interface, further interfaces on tab-indented lines, names sorted as in sysfs);
on a host without a Linux bridge it prints nothing at all, as bridge-utils 1.7 does.
`bridge fdb show` lists each bridge port's own MAC and, on VXLAN devices, the l2population
entries: an all-zero flood entry per remote VTEP and one entry per remote port MAC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from calipso.sim.wiring import HostWiring

_HEADER = "bridge name\tbridge id\t\tSTP enabled\tinterfaces"


def render_brctl_show(wiring: HostWiring, only: str | None = None) -> str:
    names = sorted(b.name for b in wiring.bridges.values() if b.kind == "linux")
    if not names:
        return ""
    lines = [_HEADER]
    for name in names:
        if only is not None and name != only:
            continue
        bridge = wiring.bridges[name]
        members = sorted(bridge.interfaces)
        first = members[0] if members else ""
        lines.append(f"{name}\t\t{bridge.bridge_id}\tno\t\t{first}")
        lines.extend("\t\t\t\t\t\t\t" + member for member in members[1:])
    return "\n".join(lines) + "\n"


def render_bridge_fdb(wiring: HostWiring,
                      remote_macs: Mapping[tuple[str, str], Sequence[str]] | None = None) -> str:
    """`bridge fdb show`. `remote_macs[(vxlan dev, remote ip)]` are the MACs of the ports
    behind that VTEP (the caller looks them up in the cloud)."""
    devs = {dev.name: dev for dev in wiring.devs}
    lines: list[str] = []
    for dev in wiring.devs:
        if dev.kind == "phys" and dev.master is None:
            lines.append(f"33:33:00:00:00:01 dev {dev.name} self permanent")
            lines.append(f"01:00:5e:00:00:01 dev {dev.name} self permanent")
    for bridge in wiring.bridges.values():
        if bridge.kind != "linux":
            continue
        for name in bridge.interfaces:
            dev = devs.get(name)
            if dev is None:
                continue
            lines.append(f"{dev.mac} dev {name} vlan 1 master {bridge.name} permanent")
            lines.append(f"{dev.mac} dev {name} master {bridge.name} permanent")
    for tunnel in wiring.tunnels:
        if tunnel.name not in devs:  # OVS and VPP tunnels are not kernel devices
            continue
        lines.append(f"00:00:00:00:00:00 dev {tunnel.name} dst {tunnel.remote_ip} self permanent")
        for mac in (remote_macs or {}).get((tunnel.name, tunnel.remote_ip), ()):
            lines.append(f"{mac} dev {tunnel.name} dst {tunnel.remote_ip} self permanent")
    return "".join(line + "\n" for line in lines)
