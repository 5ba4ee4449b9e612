"""Parser for ``ip netns list`` (also ``ip netns``).

One namespace per line: ``NAME`` (older iproute2) or ``NAME (id: N)`` (current iproute2
prints the namespace id once one is assigned). Mercury's translation concatenates the
outputs of two containers; duplicates are kept once, first occurrence wins.

``parse_ip_netns_list(text) -> list[Netns]``; ``Netns`` is a frozen slotted dataclass
``name``, ``nsid`` (int or None), with properties ``service_type`` (``"dhcp"`` for
``qdhcp-*``, ``"router"`` for ``qrouter-*``, ``"metadata"`` for ML2/OVN's ``ovnmeta-*``,
else None) and ``service_id`` (the network or router id after the prefix, else None).
Empty output (no namespaces) gives ``[]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.text import content_lines

_PARSER = "parse_ip_netns_list"
_LINE = re.compile(r"^(?P<name>[^\s()]+)(?: \(id: (?P<nsid>\d+)\))?$")
_SERVICE = re.compile(r"^(?:q(?P<type>dhcp|router)|(?P<ovn>ovnmeta))-(?P<id>.+)$")


@dataclass(frozen=True, slots=True)
class Netns:
    name: str
    nsid: int | None

    @property
    def service_type(self) -> str | None:
        match = _SERVICE.match(self.name)
        if match is None:
            return None
        return "metadata" if match["ovn"] else match["type"]

    @property
    def service_id(self) -> str | None:
        match = _SERVICE.match(self.name)
        return match["id"] if match else None


def parse_ip_netns_list(text: str) -> list[Netns]:
    found: dict[str, Netns] = {}
    for line in content_lines(text):
        match = _LINE.match(line.strip())
        if match is None:
            raise ParseError(_PARSER, line, "expected 'NAME' or 'NAME (id: N)'")
        nsid = int(match["nsid"]) if match["nsid"] is not None else None
        found.setdefault(match["name"], Netns(name=match["name"], nsid=nsid))
    return list(found.values())
