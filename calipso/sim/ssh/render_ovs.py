"""Open vSwitch tools from a host's wiring: `ovs-vsctl show`, `ovs-vsctl list-br`,
`list-ports BR`, `list-ifaces BR` and `ovs-dpctl show`.

Two layouts of `ovs-vsctl show`: current OVS (3.x, as `cli/ovs/ovs-vsctl_show.compute_ovsfw`:
Manager, Controller, datapath_type, names bare unless they need quotes) and the legacy one
(OVS 2.x, as `cli/ovs/ovs-vsctl_show.compute_hybrid`: no Manager/Controller lines, and any
name holding a digit quoted). Pure functions.
"""

from __future__ import annotations

import re
import uuid

from calipso.sim.wiring import HostWiring, OvsPort

OVS_VERSION = "3.3.1"
LEGACY_OVS_VERSION = "2.5.9"
TUNNEL_DEVICES = {"vxlan": "vxlan_sys_4789", "geneve": "genev_sys_6081"}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_PLAIN_LEGACY = re.compile(r"^[A-Za-z_][A-Za-z_.-]*$")


def ovs_quote(value: str, legacy: bool = False) -> str:
    """A string as ovs-vsctl prints an OVSDB atom: bare when it reads as an identifier,
    else in double quotes (`true`/`false` and uuids always quoted)."""
    plain = _PLAIN_LEGACY if legacy else _PLAIN
    if plain.match(value) and value not in ("true", "false") and not _UUID.match(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def system_uuid(host: str) -> str:
    """The Open_vSwitch table's row uuid, stable per host."""
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, "ovs." + host))


def _interface(port: OvsPort, legacy: bool) -> list[str]:
    q = ovs_quote(port.name, legacy)
    lines = [f"            Interface {q}"]
    kind = port.type or ("" if port.port_id or legacy else "system")
    if kind:
        lines.append(f"                type: {kind}")
    if port.options:
        items = ", ".join(f"{k}={ovs_quote(v, legacy)}" for k, v in port.options)
        lines.append(f"                options: {{{items}}}")
    return lines


def render_vsctl_show(wiring: HostWiring, *, legacy: bool = False,
                      datapath_type: str = "system") -> str:
    lines = [system_uuid(wiring.host)]
    if not legacy:
        lines += ['    Manager "ptcp:6640:127.0.0.1"', "        is_connected: true"]
    for name in wiring.datapath_id:
        lines.append(f"    Bridge {ovs_quote(name, legacy)}")
        if not legacy:
            lines += ['        Controller "tcp:127.0.0.1:6633"', "            is_connected: true"]
        lines.append("        fail_mode: secure")
        if not legacy:
            lines.append(f"        datapath_type: {datapath_type}")
        for port in wiring.ovs_ports:
            if port.bridge != name:
                continue
            lines.append(f"        Port {ovs_quote(port.name, legacy)}")
            if port.tag is not None:
                lines.append(f"            tag: {port.tag}")
            lines += _interface(port, legacy)
    version = LEGACY_OVS_VERSION if legacy else OVS_VERSION
    lines.append(f'    ovs_version: "{version}"')
    return "\n".join(lines) + "\n"


def _atom_map(items: tuple[tuple[str, str], ...]) -> str:
    return "{" + ", ".join(f"{k}={ovs_quote(v)}" for k, v in items) + "}"


def render_list_interfaces(wiring: HostWiring, columns: list[str]) -> str:
    """`ovs-vsctl --columns=name,external_ids list Interface`: one record per interface,
    column names padded to 20, records apart by a blank line."""
    records = []
    for port in wiring.ovs_ports:
        values = {"name": ovs_quote(port.name), "external_ids": _atom_map(port.external_ids),
                  "type": ovs_quote(port.type or ""), "ofport": str(port.ofport),
                  "mac_in_use": ovs_quote(port.mac or "")}
        records.append("".join(f"{c:<20}: {values.get(c, '[]')}\n" for c in columns))
    return "\n".join(records)


def render_list_br(wiring: HostWiring) -> str:
    return "".join(name + "\n" for name in sorted(wiring.datapath_id))


def render_list_ports(wiring: HostWiring, bridge: str) -> str:
    """`ovs-vsctl list-ports BR` and `list-ifaces BR` (one interface per port here):
    sorted, without the bridge's own internal port."""
    names = sorted(p.name for p in wiring.ovs_ports if p.bridge == bridge and p.name != bridge)
    return "".join(name + "\n" for name in names)


def render_dpctl_show(wiring: HostWiring, *, legacy: bool = False,
                      datapath_type: str = "system") -> str:
    """The kernel datapath as `ovs-dpctl show` prints it, or the userspace one as
    `ovs-appctl dpctl/show` does (`netdev@ovs-netdev`, internal ports as `(tap)`)."""
    if datapath_type == "netdev":
        return _netdev_dpctl_show(wiring)
    ports: dict[int, str] = {0: "ovs-system (internal)"}
    for port in wiring.ovs_ports:
        if port.dp_port is None or port.dp_port in ports:
            continue
        if port.type in TUNNEL_DEVICES:
            kind = f" ({port.type})" if legacy else f" ({port.type}: packet_type=ptap)"
            ports[port.dp_port] = TUNNEL_DEVICES[port.type] + kind
        elif port.type == "internal":
            ports[port.dp_port] = f"{port.name} (internal)"
        else:
            ports[port.dp_port] = port.name
    if legacy:
        head = ["system@ovs-system:", "\tlookups: hit:0 missed:0 lost:0", "\tflows: 0",
                "\tmasks: hit:0 total:0 hit/pkt:0.00"]
        body = [f"\tport {no}: {text}" for no, text in sorted(ports.items())]
    else:
        head = ["system@ovs-system:", "  lookups: hit:0 missed:0 lost:0", "  flows: 0",
                "  masks: hit:0 total:0 hit/pkt:0.00", "  cache: hit:0 hit-rate:0.00%",
                "  caches:", "    masks-cache: size:256"]
        body = [f"  port {no}: {text}" for no, text in sorted(ports.items())]
    return "\n".join(head + body) + "\n"


def _netdev_dpctl_show(wiring: HostWiring) -> str:
    ports: dict[int, str] = {0: "ovs-netdev (tap)"}
    for port in wiring.ovs_ports:
        if port.dp_port is None or port.dp_port in ports:
            continue
        if port.type in TUNNEL_DEVICES:
            ports[port.dp_port] = (f"{TUNNEL_DEVICES[port.type]} ({port.type}: "
                                   "packet_type=ptap)")
        else:
            ports[port.dp_port] = port.name + (" (tap)" if port.type == "internal" else "")
    head = ["netdev@ovs-netdev:", "  lookups: hit:0 missed:0 lost:0", "  flows: 0"]
    return "\n".join(head + [f"  port {no}: {text}" for no, text in sorted(ports.items())]
                     ) + "\n"
