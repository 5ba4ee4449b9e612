"""The captured data read by the conformance tests: ``../shared/fixtures``, beside the
repository and never committed to it (it comes from other projects' test suites and public
samples; see the README, "Run the tests").

A test that reads it calls ``shared_fixture(rel)`` (or carries ``needs_shared``): without
``../shared`` the test is skipped with a reason naming it, and collection never reads it.
With ``../shared`` present a missing capture is an error, not a skip.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"
ABSENT_REASON = (f"needs ../shared/fixtures (captured data kept beside the repository): "
                 f"{SHARED_FIXTURES} is absent")

needs_shared = pytest.mark.skipif(not SHARED_FIXTURES.is_dir(), reason=ABSENT_REASON)


def shared_fixture(rel: str) -> Path:
    """``../shared/fixtures/<rel>``; skips the calling test when ``../shared`` is absent."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(ABSENT_REASON)
    path = SHARED_FIXTURES / rel
    if not path.exists():
        raise FileNotFoundError(f"capture {rel!r} not found under {SHARED_FIXTURES}")
    return path
