"""Parsers for FD.io VPP's ``vppctl`` commands: ``show ver``, ``show int``, ``show int addr``,
``show mode`` and ``show hardware-int[erfaces] [NAME]``.

Records (frozen, slotted dataclasses):

``VppVersion`` (``parse_vppctl_show_version``; ``vpp VERSION built by U on H at WHEN``)
    ``version`` (``v16.09-rc0~157-g203c632``), ``built_by``, ``built_on``, ``built_at``
    (None when the line stops early); property ``binary`` = ``"vpp " + version`` (the
    vEdge's ``binary`` field: the first two words).
``VppInterface`` (``parse_vppctl_show_int``, one per named row)
    ``name``, ``index`` (int), ``state`` (``up``/``down``), ``mtu`` (``9000/0/0/0`` on
    current VPP, None on old releases), ``counters`` (dict counter name → int, e.g.
    ``"rx packets"``; the spill-over rows under an interface are its further counters).
``VppMode`` (``parse_vppctl_show_mode``, one per line)
    ``interface``, ``layer`` (``l2``/``l3``), ``kind`` (``bridge``, ``xconnect`` or None),
    ``bd_id`` (int or None), ``shg`` (int or None), ``bvi`` (bool), ``xconnect_peer``.
``VppInterfaceAddresses`` (``parse_vppctl_show_int_addr``, one per ``NAME (up|dn):``)
    ``name``, ``state`` (``up``/``dn``), ``ipv4`` and ``ipv6`` (tuples of ``ADDR/LEN``,
    from the indented ``[L3] ADDR/LEN`` lines under it), ``bd_id`` (from an
    ``L2 bridge bd-id N idx I shg S`` line, else None).
``VppHardwareInterface`` (``parse_vppctl_show_hardware``, one per named row)
    ``name``, ``index`` (int), ``link`` (``up``/``down``), ``hardware``, ``mac_address``
    (from ``Ethernet address``, lower case, or None), ``details`` (the indented lines,
    stripped: driver, carrier, queues, counters ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.text import is_mac, require_text, value_after

_VERSION = re.compile(
    r"^vpp (?P<version>\S+)(?: built by (?P<by>\S+)(?: on (?P<on>\S+)(?: at (?P<at>.+))?)?)?$"
)
_ADDR_HEAD = re.compile(r"^(?P<name>\S+) \((?P<state>up|dn|down)\):$")
_MTU = re.compile(r"^\d+/\d+/\d+/\d+$")
_STATES = frozenset({"up", "down"})


@dataclass(frozen=True, slots=True)
class VppVersion:
    version: str
    built_by: str | None
    built_on: str | None
    built_at: str | None

    @property
    def binary(self) -> str:
        return f"vpp {self.version}"


@dataclass(frozen=True, slots=True)
class VppInterface:
    name: str
    index: int
    state: str
    mtu: str | None
    counters: dict[str, int]


@dataclass(frozen=True, slots=True)
class VppMode:
    interface: str
    layer: str
    kind: str | None
    bd_id: int | None
    shg: int | None
    bvi: bool
    xconnect_peer: str | None


@dataclass(frozen=True, slots=True)
class VppInterfaceAddresses:
    name: str
    state: str
    ipv4: tuple[str, ...]
    ipv6: tuple[str, ...]
    bd_id: int | None


@dataclass(frozen=True, slots=True)
class VppHardwareInterface:
    name: str
    index: int
    link: str
    hardware: str
    mac_address: str | None
    details: tuple[str, ...]


def parse_vppctl_show_version(text: str) -> VppVersion:
    lines = require_text(text, "parse_vppctl_show_version")
    match = _VERSION.match(lines[0].strip())
    if match is None:
        raise ParseError("parse_vppctl_show_version", lines[0], "expected 'vpp VERSION ...'")
    return VppVersion(
        version=match["version"], built_by=match["by"], built_on=match["on"],
        built_at=match["at"],
    )


def _table_rows(text: str, parser: str, first_column: str) -> list[tuple[str, list[str]]]:
    """(row line, indented lines under it) of a ``Name Idx ...`` table."""
    lines = require_text(text, parser)
    if lines[0].split()[:2] != [first_column, "Idx"]:
        raise ParseError(parser, lines[0], f"expected the '{first_column} Idx ...' header")
    rows: list[tuple[str, list[str]]] = []
    for line in lines[1:]:
        if line[0].isspace():
            if not rows:
                raise ParseError(parser, line, "indented line before the first interface")
            rows[-1][1].append(line.strip())
        else:
            rows.append((line, []))
    return rows


def _row_head(line: str, parser: str) -> tuple[str, int, str, list[str]]:
    tokens = line.split()
    if len(tokens) < 3 or not tokens[1].isdigit() or tokens[2] not in _STATES:
        raise ParseError(parser, line, "expected 'NAME IDX up|down ...'")
    return tokens[0], int(tokens[1]), tokens[2], tokens[3:]


def _counter(tokens: list[str], line: str, parser: str) -> tuple[str, int]:
    if len(tokens) < 2 or not tokens[-1].isdigit():
        raise ParseError(parser, line, "expected 'COUNTER NAME COUNT'")
    return " ".join(tokens[:-1]), int(tokens[-1])


def parse_vppctl_show_int(text: str) -> list[VppInterface]:
    parser = "parse_vppctl_show_int"
    result: list[VppInterface] = []
    for line, more in _table_rows(text, parser, "Name"):
        name, index, state, rest = _row_head(line, parser)
        mtu = rest.pop(0) if rest and _MTU.match(rest[0]) else None
        counters = dict([_counter(rest, line, parser)] if rest else [])
        counters.update(_counter(extra.split(), extra, parser) for extra in more)
        result.append(VppInterface(name=name, index=index, state=state, mtu=mtu,
                                   counters=counters))
    return result


def parse_vppctl_show_hardware(text: str) -> list[VppHardwareInterface]:
    parser = "parse_vppctl_show_hardware"
    result: list[VppHardwareInterface] = []
    for line, details in _table_rows(text, parser, "Name"):
        name, index, link, rest = _row_head(line, parser)
        if not rest:
            raise ParseError(parser, line, "row without a hardware column")
        mac = next(
            (
                detail.split()[2].lower() for detail in details
                if detail.startswith("Ethernet address ") and len(detail.split()) == 3
                and is_mac(detail.split()[2])
            ),
            None,
        )
        result.append(VppHardwareInterface(
            name=name, index=index, link=link, hardware=" ".join(rest), mac_address=mac,
            details=tuple(details),
        ))
    return result


def parse_vppctl_show_mode(text: str) -> list[VppMode]:
    parser = "parse_vppctl_show_mode"
    result: list[VppMode] = []
    for line in require_text(text, parser):
        tokens = line.split()
        if len(tokens) < 2 or tokens[0] not in ("l2", "l3"):
            raise ParseError(parser, line, "expected 'l2|l3 ...'")
        if tokens[0] == "l3":
            result.append(VppMode(interface=tokens[1], layer="l3", kind=None, bd_id=None,
                                  shg=None, bvi=False, xconnect_peer=None))
            continue
        if len(tokens) < 3 or tokens[1] not in ("bridge", "xconnect"):
            raise ParseError(parser, line, "expected 'l2 bridge|xconnect IFACE ...'")
        try:
            bd_id = int(value_after(tokens, "bd_id") or "") if "bd_id" in tokens else None
            shg = int(value_after(tokens, "shg") or "") if "shg" in tokens else None
        except ValueError:
            raise ParseError(parser, line, "bd_id or shg is not a number") from None
        if tokens[1] == "bridge" and bd_id is None:
            raise ParseError(parser, line, "l2 bridge without bd_id")
        result.append(VppMode(
            interface=tokens[2], layer="l2", kind=tokens[1], bd_id=bd_id, shg=shg,
            bvi="bvi" in tokens[3:],
            xconnect_peer=tokens[3] if tokens[1] == "xconnect" and len(tokens) > 3 else None,
        ))
    return result


def parse_vppctl_show_int_addr(text: str) -> list[VppInterfaceAddresses]:
    parser = "parse_vppctl_show_int_addr"
    rows: list[tuple[str, str, list[str], list[int]]] = []
    for line in require_text(text, parser):
        if not line[0].isspace():
            match = _ADDR_HEAD.match(line.strip())
            if match is None:
                raise ParseError(parser, line, "expected 'NAME (up|dn):'")
            rows.append((match["name"], match["state"], [], []))
            continue
        if not rows:
            raise ParseError(parser, line, "address before the first interface")
        tokens = line.split()
        if tokens[0] == "L2":
            bd_id = value_after(tokens, "bd-id")
            if bd_id is not None and not bd_id.isdigit():
                raise ParseError(parser, line, "bd-id is not a number")
            if bd_id is not None:
                rows[-1][3].append(int(bd_id))
            continue
        address = tokens[-1]
        if tokens[0] not in ("L3", address) or "/" not in address:
            raise ParseError(parser, line, "expected '[L3] ADDRESS/LEN' or 'L2 ...'")
        rows[-1][2].append(address)
    return [VppInterfaceAddresses(
        name=name, state=state, ipv4=tuple(a for a in addrs if ":" not in a),
        ipv6=tuple(a for a in addrs if ":" in a), bd_id=bds[0] if bds else None)
        for name, state, addrs, bds in rows]
