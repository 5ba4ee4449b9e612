"""Parser for ``bridge fdb show`` (iproute2 forwarding database).

One entry per line: ``MAC dev IFACE [dst IP] [vlan N] [master BR] [vni N] [port N]
[via IFACE] [nhid N] [src_vni N] [FLAGS...]``; the flags are single words such as
``self``, ``permanent``, ``static``, ``offload``, ``extern_learn``.

``parse_bridge_fdb_show(text) -> list[FdbEntry]``; ``FdbEntry`` is a frozen slotted
dataclass ``mac_address`` (lower case), ``dev``, ``dst`` (remote VTEP IP of a VXLAN
entry, or None), ``vlan`` (int or None), ``master``, ``vni`` (int or None) and ``flags``
(tuple of the remaining words). Empty output gives ``[]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.text import content_lines, is_mac

_PARSER = "parse_bridge_fdb_show"
_VALUED = frozenset({"dev", "dst", "vlan", "master", "vni", "port", "via", "nhid", "src_vni"})


@dataclass(frozen=True, slots=True)
class FdbEntry:
    mac_address: str
    dev: str
    dst: str | None
    vlan: int | None
    master: str | None
    vni: int | None
    flags: tuple[str, ...]


def parse_bridge_fdb_show(text: str) -> list[FdbEntry]:
    return [_parse_entry(line) for line in content_lines(text)]


def _parse_entry(line: str) -> FdbEntry:
    tokens = line.split()
    if not is_mac(tokens[0]):
        raise ParseError(_PARSER, line, "entry does not start with a MAC address")
    values: dict[str, str] = {}
    flags: list[str] = []
    pos = 1
    while pos < len(tokens):
        word = tokens[pos]
        if word in _VALUED:
            if pos + 1 >= len(tokens):
                raise ParseError(_PARSER, line, f"{word} without a value")
            values[word] = tokens[pos + 1]
            pos += 2
        else:
            flags.append(word)
            pos += 1
    if "dev" not in values:
        raise ParseError(_PARSER, line, "entry without 'dev'")
    try:
        vlan = int(values["vlan"]) if "vlan" in values else None
        vni = int(values["vni"]) if "vni" in values else None
    except ValueError:
        raise ParseError(_PARSER, line, "vlan or vni is not a number") from None
    return FdbEntry(
        mac_address=tokens[0].lower(),
        dev=values["dev"],
        dst=values.get("dst"),
        vlan=vlan,
        master=values.get("master"),
        vni=vni,
        flags=tuple(flags),
    )
