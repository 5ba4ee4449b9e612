"""Parser for ``brctl show``.

A header ``bridge name  bridge id  STP enabled  interfaces`` (tab separated; some copies
use spaces), then one row per Linux bridge: ``NAME ID STP [FIRST_IFACE]``; every further
interface of that bridge spills onto its own line, indented, holding only the interface
name.

``parse_brctl_show(text) -> list[LinuxBridge]``; ``LinuxBridge`` is a frozen slotted
dataclass ``name``, ``bridge_id`` (``8000.005056acc9a2``), ``stp_enabled`` (``"yes"`` /
``"no"``, as printed) and ``interfaces`` (tuple of names, in printed order). A header
alone (no bridges) gives ``[]``, and so does empty output: bridge-utils 1.7 prints
nothing at all, not even the header, on a host without a Linux bridge.
"""

from __future__ import annotations

from dataclasses import dataclass

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.text import content_lines

_PARSER = "parse_brctl_show"


@dataclass(frozen=True, slots=True)
class LinuxBridge:
    name: str
    bridge_id: str
    stp_enabled: str
    interfaces: tuple[str, ...]


def parse_brctl_show(text: str) -> list[LinuxBridge]:
    lines = content_lines(text)
    if not lines:
        return []
    if lines[0].split()[:2] != ["bridge", "name"]:
        raise ParseError(_PARSER, lines[0], "expected the 'bridge name ...' header")
    rows: list[tuple[str, str, str, list[str]]] = []
    for line in lines[1:]:
        tokens = line.split()
        if line[0].isspace():
            if not rows or len(tokens) != 1:
                raise ParseError(_PARSER, line, "expected one interface name")
            rows[-1][3].append(tokens[0])
        elif len(tokens) in (3, 4):
            rows.append((tokens[0], tokens[1], tokens[2], tokens[3:]))
        else:
            raise ParseError(_PARSER, line, "expected 'NAME ID STP [INTERFACE]'")
    return [
        LinuxBridge(name=name, bridge_id=bridge_id, stp_enabled=stp, interfaces=tuple(ifaces))
        for name, bridge_id, stp, ifaces in rows
    ]
