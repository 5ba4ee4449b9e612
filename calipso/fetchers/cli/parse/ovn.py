"""Parsers for ML2/OVN: the OVN databases' rows and an OVN host's Open vSwitch settings.

``parse_ovsdb_json(text) -> list[dict[str, Any]]``: the output of ``ovn-nbctl``/
``ovn-sbctl``/``ovs-vsctl --format=json list TABLE`` (``{"data": [[...], ...],
"headings": [...]}``), one dict per row, column → value with the OVSDB atoms decoded: a
uuid ``["uuid", u]`` → ``u``; a set ``["set", [...]]`` → a list (OVSDB writes a set of one
element as the element itself: ``as_list`` reads both); a map ``["map", [[k, v]...]]`` →
a dict. Empty output and a table without rows give ``[]``.

``parse_ovsdb_json_tables(text) -> list[list[dict[str, Any]]]``: the output of several
``list`` commands in one call (``ovn-nbctl --format=json list A -- list B``): one JSON
document per command, in order, each as ``parse_ovsdb_json`` reads it.

``parse_ovsdb_set(value) -> list[str]``: an OVSDB set written into a string option, as
``DHCP_Options`` holds ``dns_server`` (``{8.8.8.8, 1.1.1.1}``; a lone value too; ``""``
gives ``[]``).

``parse_ovs_external_ids(text) -> dict[str, str]``: ``ovs-vsctl get open . external_ids``
(``{hostname=…, ovn-encap-ip="10.1.0.12", system-id="…"}``); ``{}`` when none are set.

``parse_bridge_mappings(value) -> dict[str, str]``: ``ovn-bridge-mappings``
(``physnet1:br-ex,physnet2:br-vlan``) → physnet → bridge.
"""

from __future__ import annotations

import json
from typing import Any

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.ovs import parse_ovsdb_map

_JSON = "parse_ovsdb_json"
_IDS = "parse_ovs_external_ids"
_TABLES = "parse_ovsdb_json_tables"


def _atom(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
        kind, body = value
        if kind in ("uuid", "named-uuid"):
            return body
        if kind == "set" and isinstance(body, list):
            return [_atom(v) for v in body]
        if kind == "map" and isinstance(body, list):
            return {str(_atom(k)): _atom(v) for k, v in body}
    return value


def as_list(value: Any) -> list[Any]:
    """A set column as a list: OVSDB writes a set of one element as the element."""
    return value if isinstance(value, list) else [value]


def parse_ovsdb_json(text: str) -> list[dict[str, Any]]:
    tables = _documents(text, _JSON)
    if len(tables) > 1:
        raise ParseError(_JSON, text[:80], f"expected one table, got {len(tables)}")
    return tables[0] if tables else []


def parse_ovsdb_json_tables(text: str) -> list[list[dict[str, Any]]]:
    return _documents(text, _TABLES)


def _documents(text: str, parser: str) -> list[list[dict[str, Any]]]:
    decoder = json.JSONDecoder()
    tables, at = [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return tables
        try:
            doc, at = decoder.raw_decode(text, at)
        except ValueError as err:
            raise ParseError(parser, text[at:at + 80].splitlines()[0],
                             f"not JSON: {err}") from None
        tables.append(_rows(doc, parser))


def _rows(doc: Any, parser: str) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or not isinstance(doc.get("headings"), list) \
            or not isinstance(doc.get("data"), list):
        raise ParseError(parser, json.dumps(doc)[:80], "expected an object with headings and data")
    headings = [str(h) for h in doc["headings"]]
    rows = []
    for row in doc["data"]:
        if not isinstance(row, list) or len(row) != len(headings):
            raise ParseError(parser, json.dumps(row)[:80], "a row does not fit the headings")
        rows.append({h: _atom(v) for h, v in zip(headings, row, strict=True)})
    return rows


def parse_ovsdb_set(value: str) -> list[str]:
    inner = value.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    return [v.strip() for v in inner.split(",") if v.strip()]


def parse_ovs_external_ids(text: str) -> dict[str, str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise ParseError(_IDS, lines[1] if len(lines) > 1 else "", "expected one {…} line")
    return parse_ovsdb_map(lines[0], _IDS)


def parse_bridge_mappings(value: str) -> dict[str, str]:
    out = {}
    for item in value.split(","):
        physnet, sep, bridge = item.strip().partition(":")
        if item.strip() and (not sep or not physnet or not bridge):
            raise ParseError("parse_bridge_mappings", value, "expected physnet:bridge items")
        if sep:
            out[physnet] = bridge
    return out
