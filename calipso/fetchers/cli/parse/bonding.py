"""Parsers for Linux bonding: ``ls -1 /proc/net/bonding/`` and ``cat /proc/net/bonding/BOND``.

``parse_bonding_list(text) -> list[str]``: the bond names. ``ls`` of a missing directory
(``ls: cannot access ...: No such file or directory``, the ``2>&1`` form Calipso runs)
means no bonds and gives ``[]``.

``parse_proc_net_bonding(text) -> Bond``. The file is ``Key: value`` lines in
paragraphs: the driver banner, the bond's own settings, an optional ``802.3ad info``
section, then one paragraph per ``Slave Interface: NAME``. A line ending in ``info`` (or
``Info:``) with no value, and a ``Key:`` line followed by deeper-indented lines (``Active
Aggregator Info:``, ``details actor lacp pdu:``), open a nested section; it ends at the
next blank line or the next line at its own indentation.

Records (frozen, slotted dataclasses):

``Bond``
    ``driver`` (the ``Ethernet Channel Bonding Driver:`` value), ``attributes`` (dict:
    key -> ``str``, or key -> ``dict[str, str]`` for a nested section, e.g.
    ``attributes["802.3ad info"]["LACP rate"]``), ``slaves`` (tuple of ``BondSlave``);
    properties ``mode``, ``mii_status``, ``active_slave`` (None when absent/``None``).
``BondSlave``
    ``name``, ``attributes`` (same shape as the bond's), properties ``mii_status`` and
    ``permanent_mac`` (``Permanent HW addr``, lower case, or None).
"""

from __future__ import annotations

from dataclasses import dataclass

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.text import indent_width

_PARSER = "parse_proc_net_bonding"
_BANNER = "Ethernet Channel Bonding Driver"
_SLAVE = "Slave Interface"

Attributes = dict[str, str | dict[str, str]]


@dataclass(frozen=True, slots=True)
class BondSlave:
    name: str
    attributes: Attributes

    @property
    def mii_status(self) -> str | None:
        return _text(self.attributes, "MII Status")

    @property
    def permanent_mac(self) -> str | None:
        mac = _text(self.attributes, "Permanent HW addr")
        return mac.lower() if mac else None


@dataclass(frozen=True, slots=True)
class Bond:
    driver: str
    attributes: Attributes
    slaves: tuple[BondSlave, ...]

    @property
    def mode(self) -> str | None:
        return _text(self.attributes, "Bonding Mode")

    @property
    def mii_status(self) -> str | None:
        return _text(self.attributes, "MII Status")

    @property
    def active_slave(self) -> str | None:
        value = _text(self.attributes, "Currently Active Slave")
        return None if value in (None, "None") else value


def _text(attributes: Attributes, key: str) -> str | None:
    value = attributes.get(key)
    return value if isinstance(value, str) else None


def parse_bonding_list(text: str) -> list[str]:
    names: list[str] = []
    for line in text.splitlines():
        name = line.strip()
        if not name:
            continue
        if name.startswith("ls:"):
            if "No such file or directory" in name:
                return []
            raise ParseError("parse_bonding_list", line, "ls failed")
        if any(char.isspace() for char in name) or "/" in name:
            raise ParseError("parse_bonding_list", line, "not a bond name")
        names.append(name)
    return names


def _split(line: str) -> tuple[str, str | None]:
    """``(key, value)`` of a ``Key: value`` line; value None for a section title."""
    stripped = line.strip()
    key, colon, value = stripped.partition(":")
    if colon:
        return key.strip(), value.strip()
    if stripped.lower().endswith(" info"):
        return stripped, None
    if stripped.endswith("has no active aggregator"):
        return stripped, ""
    raise ParseError(_PARSER, line, "expected 'Key: value'")


def parse_proc_net_bonding(text: str) -> Bond:
    lines = text.splitlines()
    if not lines or not lines[0].startswith(_BANNER):
        raise ParseError(_PARSER, lines[0] if lines else "", f"expected '{_BANNER}: ...'")
    driver = _split(lines[0])[1] or ""
    bond: Attributes = {}
    slaves: list[tuple[str, Attributes]] = []
    target = bond
    paragraph: dict[str, str] | None = None  # opened by an "... info" title
    indented: dict[str, str] | None = None  # opened by "Key:" over deeper lines
    indented_width = 0
    for pos, line in enumerate(lines[1:], start=1):
        if not line.strip():
            paragraph = indented = None
            continue
        width = indent_width(line)
        if indented is not None and width > indented_width:
            key, value = _split(line)
            indented[key] = value or ""
            continue
        indented = None
        key, value = _split(line)
        if key == _SLAVE:
            if not value:
                raise ParseError(_PARSER, line, "slave without a name")
            target = {}
            slaves.append((value, target))
            paragraph = None
        elif value is None:
            paragraph = {}
            target[key] = paragraph
        elif value == "" and _deeper_next(lines, pos, width):
            indented = {}
            indented_width = width
            target[key] = indented
        elif paragraph is not None:
            paragraph[key] = value
        else:
            target[key] = value
    return Bond(
        driver=driver,
        attributes=bond,
        slaves=tuple(BondSlave(name=name, attributes=attrs) for name, attrs in slaves),
    )


def _deeper_next(lines: list[str], pos: int, width: int) -> bool:
    following = lines[pos + 1] if pos + 1 < len(lines) else ""
    return bool(following.strip()) and indent_width(following) > width
