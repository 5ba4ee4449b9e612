"""Access to the shared captured fixtures (``../shared/fixtures`` next to the repository).

The ``fixture_file`` fixture is ``shared_fixture`` (tests/shared_fixtures.py): the path of
a capture, skipping the test when ``../shared`` is absent. The ``fixture_text`` fixture is
a callable ``fixture_text(rel, excerpt=False) -> str``; ``excerpt=True`` drops the
editorial ``(...)`` marker that starts some published excerpts (it is not command output).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from shared_fixtures import shared_fixture

EXCERPT_MARKER = "(...)"


def _read(rel: str, excerpt: bool = False) -> str:
    text = shared_fixture(rel).read_text(encoding="utf-8")
    if excerpt:
        first, _, rest = text.partition("\n")
        if first.strip() != EXCERPT_MARKER:
            raise ValueError(f"fixture {rel!r} does not start with the excerpt marker")
        text = rest
    return text


@pytest.fixture
def fixture_text() -> Callable[..., str]:
    return _read


@pytest.fixture
def fixture_file() -> Callable[[str], Path]:
    return shared_fixture
