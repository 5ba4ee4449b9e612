"""Parser for the physical-NIC listing ``ls -l /sys/class/net``.

Calipso runs ``ls -l /sys/class/net | grep ^l | grep -v "/virtual/"`` (some deployments
drop the ``grep``s); every entry is a symlink ``NAME -> ../../devices/<bus path>/net/NAME``.
Links whose target goes through ``/devices/virtual/`` (bridges, veths, taps, tunnels ...)
are not physical and are left out; a ``total N`` line and non-link entries (the
``bonding_masters`` file) are skipped.

``parse_sys_class_net(text) -> list[str]``: the physical NIC names, in listed order.
Empty output (no physical NIC) gives ``[]``.
"""

from __future__ import annotations

import re

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.text import content_lines

_PARSER = "parse_sys_class_net"
_LINK = re.compile(r"^l\S+\s+.*?\s(?P<name>[^\s/]+) -> (?P<target>\S+)$")


def parse_sys_class_net(text: str) -> list[str]:
    names: list[str] = []
    for line in content_lines(text):
        if line.startswith("total ") or not line.startswith("l"):
            continue
        match = _LINK.match(line)
        if match is None:
            raise ParseError(_PARSER, line, "not a symlink entry 'NAME -> TARGET'")
        if "/virtual/" in match["target"]:
            continue
        names.append(match["name"])
    return names
