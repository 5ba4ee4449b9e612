"""What a scan found but could not place, for its summary.

Fetchers mark such objects with ``unrecognised``: a list of short phrases, e.g. a host's
``agent type 'Foo agent'`` or ``host role: ...``, a vConnector's ``bridge 'virbr0'``.
``unrecognised_summary(objects)`` gathers them as ``<host or object>: <phrase>`` lines,
sorted, once each: what the scan's summary shows, so nothing unknown passes silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from calipso.fetchers.base import Doc


def unrecognised_summary(objects: Iterable[Doc]) -> list[str]:
    lines: set[str] = set()
    for doc in objects:
        phrases = doc.get("unrecognised")
        if not isinstance(phrases, list):
            continue
        where = doc.get("host") or doc.get("id")
        lines.update(f"{where}: {phrase}" for phrase in phrases if isinstance(phrase, str))
    return sorted(lines)
