"""Parsers for iproute2 interface listings.

Commands: ``ip address show [DEV]``, ``ip netns exec NS ip address show``,
``ip link show [DEV]`` and ``ip -d link show`` (also inside a namespace). All four print
the same block grammar, so one parse serves every interface in the output:

    N: NAME[@PEER]: <FLAGS> mtu M qdisc Q [master BR] state S ...
        link/TYPE [MAC brd BRD] [link-netnsid N | link-netns NS] [promiscuity ...]
        [KIND ...]            (ip -d: veth, vxlan, bridge, vlan, tun, openvswitch ...)
        [SLAVE_KIND ...]      (ip -d: bridge_slave, openvswitch_slave, bond_slave ...)
        [altname NAME]
        [inet A.B.C.D/P [peer ...] [brd B] scope S [FLAGS] LABEL]
            valid_lft ... preferred_lft ...
        [inet6 ADDR/P scope S [FLAGS]]

Records (frozen, slotted dataclasses):

``Interface``
    ``index`` (int), ``name``, ``peer`` (text after ``@``: ``if12`` for a veth peer in
    another namespace, the parent device for a VLAN such as ``eth2.101@eth2``; else None),
    ``flags`` (tuple, e.g. ``("BROADCAST", "MULTICAST", "UP", "LOWER_UP")``), ``mtu``,
    ``qdisc``, ``master`` (enslaving bridge/bond or None), ``state`` (``UP``, ``DOWN``,
    ``UNKNOWN`` ...), ``link_type`` (``ether``, ``loopback``, ``none`` ...),
    ``mac_address`` (lower case, None when the link type has no MAC), ``link_netnsid``
    (int or None), ``link_netns`` (peer namespace name or None), ``altnames``,
    ``ipv4`` (tuple of ``Ipv4Address``), ``ipv6`` (tuple of ``Ipv6Address``),
    ``kind`` (``ip -d`` link kind: ``veth``, ``vxlan``, ``bridge``, ``vlan``, ``tun``,
    ``openvswitch`` ...; None without ``-d`` or for plain devices), ``slave_kind``
    (``bridge_slave``, ``openvswitch_slave`` ...), ``vxlan`` (``VxlanInfo`` or None),
    ``vlan`` (``VlanInfo`` or None), ``bridge`` (``BridgeInfo`` or None) and ``data``
    (the block's raw lines, header first, as printed).
    Properties: ``is_up`` (``UP`` in flags), ``peer_ifindex`` (N of ``@ifN`` or None).
``Ipv4Address``
    ``address``, ``prefix_len``, ``netmask`` (dotted), ``cidr`` (network, e.g.
    ``172.16.13.0/24``), ``broadcast``, ``scope``, ``label``, ``peer``, ``flags``.
``Ipv6Address``
    ``address``, ``prefix_len``, ``scope``, ``flags``; property ``with_prefix``.
``VxlanInfo``
    ``vni``, ``local``, ``remote``, ``group``, ``dev``, ``dstport``, ``external``.
``VlanInfo``
    ``vlan_id``, ``protocol``.
``BridgeInfo``
    ``bridge_id``, ``stp_state``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.text import int_after, is_mac, require_text, value_after

_HEADER = re.compile(
    r"^(?P<index>\d+): (?P<name>[^\s:@]+)(?:@(?P<peer>[^\s:]+))?: <(?P<flags>[^>]*)>(?P<rest>.*)$"
)
_PEER_IFINDEX = re.compile(r"^if(\d+)$")
# Words iproute2 prints after the address and before the label of an inet line.
_ADDR_WORDS = frozenset({
    "secondary", "temporary", "dynamic", "noprefixroute", "deprecated", "tentative",
    "permanent", "mngtmpaddr", "home", "nodad", "optimistic", "dadfailed", "stable-privacy",
    "autojoin",
})
# Words that start the generic tail ``ip -d`` prints after the kind lines.
_GENERIC_DETAIL = frozenset({
    "addrgenmode", "numtxqueues", "numrxqueues", "gso_max_size", "gso_max_segs",
    "promiscuity", "allmulti", "minmtu", "maxmtu", "tso_max_size", "gro_max_size",
})


@dataclass(frozen=True, slots=True)
class Ipv4Address:
    address: str
    prefix_len: int
    netmask: str
    cidr: str
    broadcast: str | None
    scope: str | None
    label: str | None
    peer: str | None
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Ipv6Address:
    address: str
    prefix_len: int
    scope: str | None
    flags: tuple[str, ...]

    @property
    def with_prefix(self) -> str:
        return f"{self.address}/{self.prefix_len}"


@dataclass(frozen=True, slots=True)
class VxlanInfo:
    vni: int | None
    local: str | None
    remote: str | None
    group: str | None
    dev: str | None
    dstport: int | None
    external: bool


@dataclass(frozen=True, slots=True)
class VlanInfo:
    vlan_id: int
    protocol: str | None


@dataclass(frozen=True, slots=True)
class BridgeInfo:
    bridge_id: str | None
    stp_state: int | None


@dataclass(frozen=True, slots=True)
class Interface:
    index: int
    name: str
    peer: str | None
    flags: tuple[str, ...]
    mtu: int | None
    qdisc: str | None
    master: str | None
    state: str | None
    link_type: str
    mac_address: str | None
    link_netnsid: int | None
    link_netns: str | None
    altnames: tuple[str, ...]
    ipv4: tuple[Ipv4Address, ...]
    ipv6: tuple[Ipv6Address, ...]
    kind: str | None
    slave_kind: str | None
    vxlan: VxlanInfo | None
    vlan: VlanInfo | None
    bridge: BridgeInfo | None
    data: tuple[str, ...]

    @property
    def is_up(self) -> bool:
        return "UP" in self.flags

    @property
    def peer_ifindex(self) -> int | None:
        match = _PEER_IFINDEX.match(self.peer or "")
        return int(match.group(1)) if match else None


def parse_ip_address_show(text: str) -> list[Interface]:
    """Every interface of one ``ip address show`` output (root or namespace)."""
    return _parse_blocks(text, "parse_ip_address_show")


def parse_ip_link_show(text: str) -> list[Interface]:
    """Every interface of one ``ip link show`` or ``ip -d link show`` output."""
    return _parse_blocks(text, "parse_ip_link_show")


def _parse_blocks(text: str, parser: str) -> list[Interface]:
    blocks: list[tuple[re.Match[str], list[str]]] = []
    for line in require_text(text, parser):
        if line[0].isspace():
            if not blocks:
                raise ParseError(parser, line, "indented line before the first interface")
            blocks[-1][1].append(line)
            continue
        header = _HEADER.match(line)
        if header is None:
            raise ParseError(parser, line, "not an interface header")
        blocks.append((header, [line]))
    return [_parse_block(header, block, parser) for header, block in blocks]


class _Details:
    """What the ``ip -d`` kind lines of one block said (mutable while parsing)."""

    __slots__ = ("bridge", "kind", "slave_kind", "vlan", "vxlan")

    def __init__(self) -> None:
        self.kind: str | None = None
        self.slave_kind: str | None = None
        self.vxlan: VxlanInfo | None = None
        self.vlan: VlanInfo | None = None
        self.bridge: BridgeInfo | None = None

    def add(self, tokens: list[str], line: str, parser: str) -> None:
        head = tokens[0]
        if head in _GENERIC_DETAIL:
            return
        if head.endswith("_slave"):
            self.slave_kind = head
            return
        if self.kind is None:
            self.kind = head
        if head == "vxlan":
            self.vxlan = VxlanInfo(
                vni=int_after(tokens, "id", parser, line),
                local=value_after(tokens, "local"),
                remote=value_after(tokens, "remote"),
                group=value_after(tokens, "group"),
                dev=value_after(tokens, "dev"),
                dstport=int_after(tokens, "dstport", parser, line),
                external="external" in tokens,
            )
        elif head == "vlan":
            vlan_id = int_after(tokens, "id", parser, line)
            if vlan_id is None:
                raise ParseError(parser, line, "vlan line without id")
            self.vlan = VlanInfo(vlan_id=vlan_id, protocol=value_after(tokens, "protocol"))
        elif head == "bridge":
            self.bridge = BridgeInfo(
                bridge_id=value_after(tokens, "bridge_id"),
                stp_state=int_after(tokens, "stp_state", parser, line),
            )


def _parse_block(header: re.Match[str], lines: list[str], parser: str) -> Interface:
    head_tokens = header["rest"].split()
    if len(lines) < 2 or not lines[1].strip().startswith("link/"):
        raise ParseError(parser, lines[0], "interface without a link/ line")
    link_tokens = lines[1].split()
    link_type = link_tokens[0].removeprefix("link/")
    mac = link_tokens[1].lower() if len(link_tokens) > 1 and is_mac(link_tokens[1]) else None
    ipv4: list[Ipv4Address] = []
    ipv6: list[Ipv6Address] = []
    altnames: list[str] = []
    details = _Details()
    for line in lines[2:]:
        tokens = line.split()
        head = tokens[0]
        if head == "inet":
            ipv4.append(_parse_inet(tokens, line, parser))
        elif head == "inet6":
            ipv6.append(_parse_inet6(tokens, line, parser))
        elif head == "valid_lft":
            continue
        elif head == "altname" and len(tokens) == 2:
            altnames.append(tokens[1])
        else:
            details.add(tokens, line, parser)
    return Interface(
        index=int(header["index"]),
        name=header["name"],
        peer=header["peer"],
        flags=tuple(flag for flag in header["flags"].split(",") if flag),
        mtu=int_after(head_tokens, "mtu", parser, lines[0]),
        qdisc=value_after(head_tokens, "qdisc"),
        master=value_after(head_tokens, "master"),
        state=value_after(head_tokens, "state"),
        link_type=link_type,
        mac_address=mac,
        link_netnsid=int_after(link_tokens, "link-netnsid", parser, lines[1]),
        link_netns=value_after(link_tokens, "link-netns"),
        altnames=tuple(altnames),
        ipv4=tuple(ipv4),
        ipv6=tuple(ipv6),
        kind=details.kind,
        slave_kind=details.slave_kind,
        vxlan=details.vxlan,
        vlan=details.vlan,
        bridge=details.bridge,
        data=tuple(lines),
    )


def _split_prefix(value: str, parser: str, line: str) -> tuple[str, int | None]:
    address, _, prefix = value.partition("/")
    if not prefix:
        return address, None
    if not prefix.isdigit():
        raise ParseError(parser, line, "prefix length is not a number")
    return address, int(prefix)


def _trailing_words(tokens: Sequence[str]) -> tuple[list[str], str | None]:
    """Flags and label printed after ``scope S`` on an inet line."""
    try:
        start = list(tokens).index("scope") + 2
    except ValueError:
        return [], None
    rest = list(tokens[start:])
    flags = [word for word in rest if word in _ADDR_WORDS]
    others = [word for word in rest if word not in _ADDR_WORDS]
    return flags, (others[-1] if others else None)


def _parse_inet(tokens: list[str], line: str, parser: str) -> Ipv4Address:
    if len(tokens) < 2:
        raise ParseError(parser, line, "inet line without an address")
    address, prefix = _split_prefix(tokens[1], parser, line)
    peer_value = value_after(tokens, "peer")
    if prefix is None and peer_value is not None:
        prefix = _split_prefix(peer_value, parser, line)[1]
    try:
        iface = ipaddress.IPv4Interface(f"{address}/{32 if prefix is None else prefix}")
    except ValueError as err:
        raise ParseError(parser, line, f"bad IPv4 address: {err}") from None
    flags, label = _trailing_words(tokens)
    return Ipv4Address(
        address=str(iface.ip),
        prefix_len=iface.network.prefixlen,
        netmask=str(iface.netmask),
        cidr=str(iface.network),
        broadcast=value_after(tokens, "brd"),
        scope=value_after(tokens, "scope"),
        label=label,
        peer=peer_value,
        flags=tuple(flags),
    )


def _parse_inet6(tokens: list[str], line: str, parser: str) -> Ipv6Address:
    if len(tokens) < 2:
        raise ParseError(parser, line, "inet6 line without an address")
    address, prefix = _split_prefix(tokens[1], parser, line)
    try:
        parsed = ipaddress.IPv6Address(address)
    except ValueError as err:
        raise ParseError(parser, line, f"bad IPv6 address: {err}") from None
    return Ipv6Address(
        address=str(parsed),
        prefix_len=128 if prefix is None else prefix,
        scope=value_after(tokens, "scope"),
        flags=tuple(word for word in tokens[2:] if word in _ADDR_WORDS),
    )
