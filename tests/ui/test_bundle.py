"""The built UI committed in calipso/ui/static is what its sources and lock file build."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

SOURCES = REPO_ROOT / "ui"
BUILT = REPO_ROOT / "calipso" / "ui" / "static"
NPM = shutil.which("npm")


@pytest.mark.skipif(NPM is None or shutil.which("node") is None,
                    reason="node and npm are not installed (apt-get install nodejs npm)")
@pytest.mark.timeout(300)
def test_the_committed_bundle_is_built_from_the_sources(tmp_path: Path) -> None:
    if not (SOURCES / "node_modules" / ".package-lock.json").exists():
        subprocess.run([NPM, "ci", "--no-audit", "--no-fund"], cwd=SOURCES, check=True,
                       capture_output=True, timeout=240)
    subprocess.run(["node", "build.mjs"], cwd=SOURCES, check=True, capture_output=True,
                   env=os.environ | {"CALIPSO_UI_OUT": str(tmp_path)}, timeout=120)
    built = sorted(p.name for p in tmp_path.iterdir())
    assert built == sorted(p.name for p in BUILT.iterdir())
    stale = [name for name in built
             if (tmp_path / name).read_bytes() != (BUILT / name).read_bytes()]
    assert stale == [], "rebuild the UI: (cd ui && npm ci && npm run build)"
