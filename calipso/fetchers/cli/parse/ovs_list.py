"""Parser for ``ovs-vsctl [--columns=A,B] list TABLE``: OVSDB records as text.

Each record is a block of ``column : value`` lines (the column name padded with spaces),
records are apart by a blank line. Values are OVSDB atoms as ovs-vsctl prints them:
strings bare or quoted, maps ``{k=v, ...}``, sets ``[a, b]``, ``[]`` for an empty set.
Empty output (a table without rows) gives ``[]``.

``parse_ovs_vsctl_list(text) -> list[dict[str, str]]``: every record, column → raw value
(quotes kept: ``unquote`` and ``parse_ovsdb_map`` read them).
``interface_ids(records) -> dict[str, str]``: interface name → ``external_ids:iface-id``
(the Neutron port an OVS interface plugs), for the interfaces that have one.
"""

from __future__ import annotations

import re

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.ovs import parse_ovsdb_map, unquote

_PARSER = "parse_ovs_vsctl_list"
_LINE = re.compile(r"^(?P<column>[a-z_][a-z0-9_]*)\s*: ?(?P<value>.*)$")


def parse_ovs_vsctl_list(text: str) -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in text.splitlines():
        if not line.strip():
            current = None
            continue
        match = _LINE.match(line.rstrip())
        if match is None:
            raise ParseError(_PARSER, line, "expected 'column : value'")
        if current is None:
            current = {}
            records.append(current)
        if match["column"] in current:
            raise ParseError(_PARSER, line, "column given twice in one record")
        current[match["column"]] = match["value"].strip()
    return records


def interface_ids(records: list[dict[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for record in records:
        name = unquote(record.get("name", ""))
        raw = record.get("external_ids")
        if not name or raw is None:
            continue
        iface_id = parse_ovsdb_map(raw, _PARSER).get("iface-id")
        if iface_id:
            out[name] = iface_id
    return out
