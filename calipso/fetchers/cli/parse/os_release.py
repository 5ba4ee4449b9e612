"""Parser for ``cat /etc/os-release && echo "ARCHITECURE=`arch`"``.

``/etc/os-release`` is shell-style ``KEY=value`` lines; values may be double- or
single-quoted with backslash escapes; ``#`` lines are comments. Calipso appends the
machine architecture as ``ARCHITECURE=`` (its own historical spelling;
``ARCHITECTURE=`` is accepted too).

``parse_os_release(text) -> OsRelease``, a frozen slotted dataclass: ``name``
(``NAME``), ``version`` (``VERSION``), ``id`` (``ID``), ``id_like`` (``ID_LIKE``),
``version_id``, ``pretty_name``, ``architecture`` (each None when absent) and ``fields``
(every key → unquoted value, the architecture line included). Host documents store
``OS = {name, version, ID, ID_LIKE, architecure}`` built from these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.text import require_text

_PARSER = "parse_os_release"
_LINE = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")


@dataclass(frozen=True, slots=True)
class OsRelease:
    name: str | None
    version: str | None
    id: str | None
    id_like: str | None
    version_id: str | None
    pretty_name: str | None
    architecture: str | None
    fields: dict[str, str]


def _unquote(value: str, line: str) -> str:
    if not value or value[0] not in "\"'":
        return value
    quote = value[0]
    if len(value) < 2 or value[-1] != quote:
        raise ParseError(_PARSER, line, "unterminated quoted value")
    inner = value[1:-1]
    return re.sub(r"\\(.)", r"\1", inner) if quote == '"' else inner


def parse_os_release(text: str) -> OsRelease:
    fields: dict[str, str] = {}
    for line in require_text(text, _PARSER):
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        match = _LINE.match(stripped)
        if match is None:
            raise ParseError(_PARSER, line, "expected KEY=value")
        fields[match["key"]] = _unquote(match["value"], line)
    if not fields:
        raise ParseError(_PARSER, "", "no KEY=value lines")
    return OsRelease(
        name=fields.get("NAME"),
        version=fields.get("VERSION"),
        id=fields.get("ID"),
        id_like=fields.get("ID_LIKE"),
        version_id=fields.get("VERSION_ID"),
        pretty_name=fields.get("PRETTY_NAME"),
        architecture=fields.get("ARCHITECURE", fields.get("ARCHITECTURE")),
        fields=fields,
    )
