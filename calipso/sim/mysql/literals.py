"""SQL literals for bulk INSERTs, built without a driver round trip per value.

pymysql escapes every string through `str.translate`; most of our values (UUIDs, names,
JSON) hold none of the characters MySQL needs escaped, so a C-speed regex check lets them
through as they are, and only the rest go through pymysql's escaper. Assumes the server
runs without NO_BACKSLASH_ESCAPES (MariaDB's default).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from pymysql.converters import escape_string

_NEEDS_ESCAPE = re.compile(r"[\0\n\r\\'\x1a]")
MAX_STATEMENT = 1_000_000  # bytes per multi-row INSERT (MariaDB's max_allowed_packet: 16 MiB)


def literal(value: Any) -> str:
    if value is None:
        return "NULL"
    kind = type(value)
    if kind is str:
        return "'" + (escape_string(value) if _NEEDS_ESCAPE.search(value) else value) + "'"
    if kind is int or kind is bool:
        return str(int(value))
    if kind is float:
        return repr(value)
    if kind is datetime:
        return value.strftime("'%Y-%m-%d %H:%M:%S.%f'" if value.microsecond
                              else "'%Y-%m-%d %H:%M:%S'")
    raise TypeError(f"no SQL literal for {kind.__name__}")


def insert_statements(head: str, rows: Iterable[tuple[Any, ...]],
                      limit: int = MAX_STATEMENT) -> Iterator[str]:
    """`head` is `INSERT INTO t (cols) VALUES`; yields statements of about `limit` bytes."""
    parts: list[str] = []
    size = 0
    for row in rows:
        text = "(" + ",".join(map(literal, row)) + ")"
        parts.append(text)
        size += len(text) + 1
        if size >= limit:
            yield head + " " + ",".join(parts)
            parts, size = [], 0
    if parts:
        yield head + " " + ",".join(parts)
