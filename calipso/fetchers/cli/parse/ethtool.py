"""Parser for ``ethtool IFACE``.

The output is ``Settings for IFACE:`` followed by indented ``Key: value`` lines. A value
that runs over several lines (``Supported link modes``, ``Current message level`` ...)
continues on lines indented deeper than the keys.

``parse_ethtool(text) -> EthtoolSettings``, a frozen slotted dataclass:
``interface`` (the name after ``Settings for``) and ``attributes``, a dict from key to
value: a ``str`` for a one-line value, a ``list[str]`` (stripped, first line first) when
the value has continuation lines. Keys keep ethtool's spelling (``Speed``, ``Duplex``,
``Link detected`` ...), which is how host_pnic documents store them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.text import indent_width, require_text

_PARSER = "parse_ethtool"
_TITLE = re.compile(r"^Settings for (?P<name>\S+):$")
_KEY = re.compile(r"^(?P<key>[^:]+?):\s*(?P<value>.*)$")


@dataclass(frozen=True, slots=True)
class EthtoolSettings:
    interface: str
    attributes: dict[str, str | list[str]]


def parse_ethtool(text: str) -> EthtoolSettings:
    lines = require_text(text, _PARSER)
    title = _TITLE.match(lines[0].strip())
    if title is None:
        raise ParseError(_PARSER, lines[0], "expected 'Settings for IFACE:'")
    values: dict[str, list[str]] = {}
    key_indent: int | None = None
    current: str | None = None
    for line in lines[1:]:
        width = indent_width(line)
        if width == 0:
            raise ParseError(_PARSER, line, "unindented line after the title")
        if current is None or key_indent is None or width <= key_indent:
            match = _KEY.match(line.strip())
            if match is None:
                raise ParseError(_PARSER, line, "expected 'Key: value'")
            key_indent = width
            current = match["key"]
            values[current] = [match["value"]] if match["value"] else []
        else:
            values[current].append(line.strip())
    attributes: dict[str, str | list[str]] = {
        key: (parts[0] if len(parts) == 1 else parts if parts else "")
        for key, parts in values.items()
    }
    return EthtoolSettings(interface=title["name"], attributes=attributes)
