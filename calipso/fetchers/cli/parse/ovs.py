"""Parsers for Open vSwitch: ``ovs-vsctl show``, ``ovs-dpctl show``, ``ovs-vsctl list-ifaces BR``.

``ovs-vsctl show`` is an indented tree (4 spaces a level): the database uuid, then
``Manager``, ``Bridge NAME`` (with ``Controller``, ``fail_mode``, ``datapath_type``,
``Port NAME`` → ``tag``, ``trunks``, ``Interface NAME`` → ``type``, ``options``,
``error``, ``external_ids`` ...) and ``ovs_version``. OVS 2.x quotes most names
(``Port "qr-bb9b8340-72"``); OVS 3.x prints them bare. Both are accepted and unquoted.

Records (frozen, slotted dataclasses):

``OvsShow`` (``parse_ovs_vsctl_show``)
    ``uuid``, ``managers`` (tuple of targets), ``bridges`` (tuple of ``OvsBridge``),
    ``ovs_version`` (or None); method ``bridge(name)`` → ``OvsBridge | None``.
``OvsBridge``
    ``name``, ``controllers`` (tuple of targets), ``fail_mode``, ``datapath_type``,
    ``ports`` (tuple of ``OvsPort``), ``attributes`` (other ``key: value`` lines).
``OvsPort``
    ``name``, ``tag`` (int or None), ``interfaces`` (tuple of ``OvsInterface``),
    ``attributes`` (``trunks``, ``bond_mode`` ... as text).
``OvsInterface``
    ``name``, ``type`` (``internal``, ``patch``, ``vxlan``, ``system`` ...; None when not
    printed, i.e. a plain netdev), ``options`` and ``external_ids`` (dicts, unquoted),
    ``error`` (or None), ``attributes`` (other ``key: value`` lines as text).
``DatapathPort`` (``parse_ovs_dpctl_show``, one per ``port N: NAME [(TYPE[: OPTS])]``)
    ``datapath`` (``system@ovs-system``), ``port_no`` (int), ``name``, ``type`` (None for a
    plain netdev), ``options`` (dict from ``(vxlan: packet_type=ptap)``); property
    ``internal``. Empty output (no datapath created yet) gives ``[]``.

``parse_ovs_vsctl_list_ifaces(text) -> list[str]``: one interface name per line; empty
output (a bridge without interfaces) gives ``[]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.text import content_lines, indent_width, require_text

_SHOW = "parse_ovs_vsctl_show"
_DPCTL = "parse_ovs_dpctl_show"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_MAP_ITEM = re.compile(r'\s*(?P<key>[^=,{}\s]+)=(?P<value>"(?:[^"\\]|\\.)*"|[^,{}]*)\s*(?:,|$)')
_DP_PORT = re.compile(
    r"^port (?P<no>\d+): (?P<name>\S+)(?: \((?P<type>[^:)]+)(?:: (?P<opts>[^)]*))?\))?$"
)
_DATAPATH = re.compile(r"^(?P<name>\S+@\S+):$")


@dataclass(frozen=True, slots=True)
class OvsInterface:
    name: str
    type: str | None
    options: dict[str, str]
    external_ids: dict[str, str]
    error: str | None
    attributes: dict[str, str]


@dataclass(frozen=True, slots=True)
class OvsPort:
    name: str
    tag: int | None
    interfaces: tuple[OvsInterface, ...]
    attributes: dict[str, str]


@dataclass(frozen=True, slots=True)
class OvsBridge:
    name: str
    controllers: tuple[str, ...]
    fail_mode: str | None
    datapath_type: str | None
    ports: tuple[OvsPort, ...]
    attributes: dict[str, str]


@dataclass(frozen=True, slots=True)
class OvsShow:
    uuid: str
    managers: tuple[str, ...]
    bridges: tuple[OvsBridge, ...]
    ovs_version: str | None

    def bridge(self, name: str) -> OvsBridge | None:
        return next((bridge for bridge in self.bridges if bridge.name == name), None)


@dataclass(frozen=True, slots=True)
class DatapathPort:
    datapath: str
    port_no: int
    name: str
    type: str | None
    options: dict[str, str]

    @property
    def internal(self) -> bool:
        # the userspace datapath implements internal ports as tap devices: "(tap)"
        return self.type in ("internal", "tap")


def unquote(value: str) -> str:
    """An OVSDB string as printed by ovs-vsctl, without its quotes and escapes."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def parse_ovsdb_map(value: str, parser: str = "parse_ovsdb_map") -> dict[str, str]:
    """``{k=v, k2="v 2"}`` as printed by ovs-vsctl → dict of unquoted strings."""
    text = value.strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise ParseError(parser, value, "expected a {key=value, ...} map")
    inner = text[1:-1].strip()
    result: dict[str, str] = {}
    pos = 0
    while pos < len(inner):
        match = _MAP_ITEM.match(inner, pos)
        if match is None or match.end() == pos:
            raise ParseError(parser, value, "malformed map entry")
        result[unquote(match["key"])] = unquote(match["value"].strip())
        pos = match.end()
    return result


class _Node:
    """One line of the ``ovs-vsctl show`` tree with its children (mutable while parsing)."""

    __slots__ = ("children", "keyword", "line", "value")

    def __init__(self, keyword: str, value: str, line: str) -> None:
        self.keyword = keyword
        self.value = value
        self.line = line
        self.children: list[_Node] = []

    def settings(self) -> dict[str, str]:
        return {child.keyword: child.value for child in self.children if child.is_setting}

    def named(self, keyword: str) -> list[_Node]:
        return [child for child in self.children if child.keyword == keyword]

    @property
    def is_setting(self) -> bool:
        return self.keyword.endswith(":")


def _tree(lines: list[str]) -> list[_Node]:
    roots: list[_Node] = []
    stack: list[tuple[int, _Node]] = []
    for line in lines:
        width = indent_width(line)
        keyword, _, value = line.strip().partition(" ")
        node = _Node(keyword, value.strip(), line)
        while stack and stack[-1][0] >= width:
            stack.pop()
        if stack:
            stack[-1][1].children.append(node)
        elif width == 0:
            roots.append(node)
        else:
            raise ParseError(_SHOW, line, "indented line without a parent")
        stack.append((width, node))
    return roots


def parse_ovs_vsctl_show(text: str) -> OvsShow:
    lines = require_text(text, _SHOW)
    roots = _tree(lines)
    if len(roots) != 1 or not _UUID.match(roots[0].keyword) or roots[0].value:
        raise ParseError(_SHOW, lines[0], "expected the Open_vSwitch uuid alone on line 1")
    top = roots[0]
    managers: list[str] = []
    bridges: list[OvsBridge] = []
    version: str | None = None
    for node in top.children:
        if node.keyword == "Manager":
            managers.append(unquote(node.value))
        elif node.keyword == "Bridge":
            bridges.append(_bridge(node))
        elif node.keyword == "ovs_version:":
            version = unquote(node.value)
        elif not node.is_setting:
            raise ParseError(_SHOW, node.line, f"unknown entry {node.keyword!r}")
    return OvsShow(
        uuid=top.keyword, managers=tuple(managers), bridges=tuple(bridges), ovs_version=version
    )


def _bridge(node: _Node) -> OvsBridge:
    settings = node.settings()
    for child in node.children:
        if not child.is_setting and child.keyword not in ("Port", "Controller"):
            raise ParseError(_SHOW, child.line, f"unknown bridge entry {child.keyword!r}")
    return OvsBridge(
        name=_name(node),
        controllers=tuple(unquote(child.value) for child in node.named("Controller")),
        fail_mode=settings.pop("fail_mode:", None),
        datapath_type=settings.pop("datapath_type:", None),
        ports=tuple(_port(child) for child in node.named("Port")),
        attributes={key.rstrip(":"): unquote(value) for key, value in settings.items()},
    )


def _port(node: _Node) -> OvsPort:
    settings = node.settings()
    for child in node.children:
        if not child.is_setting and child.keyword != "Interface":
            raise ParseError(_SHOW, child.line, f"unknown port entry {child.keyword!r}")
    raw_tag = settings.pop("tag:", None)
    if raw_tag is not None and not raw_tag.isdigit():
        raise ParseError(_SHOW, node.line, "port tag is not a number")
    return OvsPort(
        name=_name(node),
        tag=int(raw_tag) if raw_tag is not None else None,
        interfaces=tuple(_interface(child) for child in node.named("Interface")),
        attributes={key.rstrip(":"): unquote(value) for key, value in settings.items()},
    )


def _interface(node: _Node) -> OvsInterface:
    settings = node.settings()
    for child in node.children:
        if not child.is_setting:
            raise ParseError(_SHOW, child.line, f"unknown interface entry {child.keyword!r}")
    options = settings.pop("options:", None)
    external_ids = settings.pop("external_ids:", None)
    error = settings.pop("error:", None)
    kind = settings.pop("type:", None)
    return OvsInterface(
        name=_name(node),
        type=unquote(kind) if kind is not None else None,
        options=parse_ovsdb_map(options, _SHOW) if options is not None else {},
        external_ids=parse_ovsdb_map(external_ids, _SHOW) if external_ids is not None else {},
        error=unquote(error) if error is not None else None,
        attributes={key.rstrip(":"): unquote(value) for key, value in settings.items()},
    )


def _name(node: _Node) -> str:
    name = unquote(node.value)
    if not name:
        raise ParseError(_SHOW, node.line, f"{node.keyword} without a name")
    return name


def parse_ovs_dpctl_show(text: str) -> list[DatapathPort]:
    ports: list[DatapathPort] = []
    datapath: str | None = None
    for line in content_lines(text):
        stripped = line.strip()
        if not line[0].isspace():
            header = _DATAPATH.match(stripped)
            if header is None:
                raise ParseError(_DPCTL, line, "expected a 'TYPE@NAME:' datapath header")
            datapath = header["name"]
            continue
        if datapath is None:
            raise ParseError(_DPCTL, line, "indented line before a datapath header")
        if not stripped.startswith("port "):
            continue  # lookups, flows, masks, cache counters
        match = _DP_PORT.match(stripped)
        if match is None:
            raise ParseError(_DPCTL, line, "expected 'port N: NAME [(TYPE)]'")
        ports.append(DatapathPort(
            datapath=datapath,
            port_no=int(match["no"]),
            name=match["name"],
            type=match["type"],
            options=_dp_options(match["opts"]),
        ))
    return ports


def _dp_options(text: str | None) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in (text or "").split(","):
        key, eq, value = item.strip().partition("=")
        if key:
            result[key] = value if eq else ""
    return result


def parse_ovs_vsctl_list_ifaces(text: str) -> list[str]:
    names: list[str] = []
    for line in content_lines(text):
        name = line.strip()
        if any(char.isspace() for char in name):
            raise ParseError("parse_ovs_vsctl_list_ifaces", line, "not an interface name")
        names.append(name)
    return names
