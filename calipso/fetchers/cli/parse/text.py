"""Line and token helpers shared by the command-output parsers (no parsing policy here)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from calipso.errors import ParseError

MAC_RE = re.compile(r"^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$")


def content_lines(text: str) -> list[str]:
    """The lines of ``text`` without trailing whitespace, blank lines dropped."""
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def require_text(text: str, parser: str) -> list[str]:
    """``content_lines`` of ``text``; empty output is a ``ParseError``."""
    lines = content_lines(text)
    if not lines:
        raise ParseError(parser, "", "empty output")
    return lines


def value_after(tokens: Sequence[str], key: str) -> str | None:
    """The token that follows the first ``key`` in ``tokens``, or None."""
    for pos, token in enumerate(tokens[:-1]):
        if token == key:
            return tokens[pos + 1]
    return None


def int_after(tokens: Sequence[str], key: str, parser: str, line: str) -> int | None:
    """``value_after`` as an int (decimal or 0x-hex); a non-number is a ``ParseError``."""
    raw = value_after(tokens, key)
    if raw is None:
        return None
    try:
        return int(raw, 0)
    except ValueError:
        raise ParseError(parser, line, f"{key} is not a number") from None


def indent_width(line: str) -> int:
    """Leading whitespace width of ``line``, tabs expanded to 8 columns."""
    expanded = line.expandtabs(8)
    return len(expanded) - len(expanded.lstrip())


def is_mac(value: str) -> bool:
    return bool(MAC_RE.match(value))
