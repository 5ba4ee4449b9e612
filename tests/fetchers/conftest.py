"""Access to the shared captured fixtures (``../shared/fixtures`` next to the repository).

``fixture_path(rel)`` resolves a path under the fixtures folder and fails with a clear
message when the folder or the file is missing; the ``fixture_file`` fixture hands it to
a test. The ``fixture_text`` fixture is a callable ``fixture_text(rel, excerpt=False) ->
str``; ``excerpt=True`` drops the editorial ``(...)`` marker that starts some published
excerpts (it is not command output).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

EXCERPT_MARKER = "(...)"


def _repo_root() -> Path:
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    raise RuntimeError(f"no pyproject.toml above {__file__}: cannot find the repository root")


def fixture_path(rel: str) -> Path:
    """``../shared/fixtures/<rel>`` seen from the repository root; clear error if absent."""
    base = _repo_root().parent / "shared" / "fixtures"
    if not base.is_dir():
        raise FileNotFoundError(
            f"shared fixtures folder {base} is missing: check out ../shared next to the repo"
        )
    path = base / rel
    if not path.is_file():
        raise FileNotFoundError(f"fixture {rel!r} not found under {base}")
    return path


def _read(rel: str, excerpt: bool = False) -> str:
    text = fixture_path(rel).read_text(encoding="utf-8")
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
    return fixture_path
