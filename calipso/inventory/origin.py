"""Who is writing: the origin each recorded revision names (a scan, an event, a check,
an API call).

The origin is a context variable, set once where a piece of work starts (a scan, an event
applied, a check result taken in, an API request) and read where the write happens: the
writers need no extra argument, and tasks started inside inherit it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_UNKNOWN = {"by": "unknown"}
_ORIGIN: ContextVar[dict[str, str] | None] = ContextVar("calipso_change_origin", default=None)


@contextmanager
def change_origin(by: str, **detail: str) -> Iterator[None]:
    """Writes inside this block are recorded as made ``by`` (``scan``, ``event``,
    ``monitoring``, ``api``, ``import``) with ``detail`` (``scan_id``, ``event``,
    ``check``, ``user``...)."""
    token = _ORIGIN.set({"by": by, **detail})
    try:
        yield
    finally:
        _ORIGIN.reset(token)


def current_origin() -> dict[str, str]:
    return dict(_ORIGIN.get() or _UNKNOWN)
