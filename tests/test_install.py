"""A plain ``pip install .`` (not editable) gives a Calipso that starts: the metadata files
and the seed data are package data, found without CALIPSO_CONFIG_DIR."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from calipso.embedded_db import free_port

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding a non-editable install of this repository; its bin folder.

    Only Calipso is installed (``--no-deps``): its dependencies are this test run's, reached
    through a path file (a path file only adds a folder, so the editable install's finder in
    it stays off and ``import calipso`` finds the installed copy).
    """
    venv = tmp_path_factory.mktemp("install") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path("
                           "'purelib'))"], check=True, capture_output=True, text=True)
    Path(site.stdout.strip(), "test-dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--disable-pip-version-check", str(REPO)],
                   check=True, capture_output=True, cwd=venv.parent)
    return venv / "bin"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CALIPSO_") and k != "PYTHONPATH"}  # only the install
    # secantusd-py (the embedded database) is a script of this test run's environment
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env | {"CALIPSO_DATA_DIR": str(tmp_path / "data")} | extra


def test_check_config_reads_the_installed_package_data(installed: Path, tmp_path: Path) -> None:
    done = subprocess.run([str(installed / "calipso"), "check-config"], env=_env(tmp_path),
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    where = done.stdout.split(" in ", 1)[1].split(" is valid")[0]
    assert Path(where).is_relative_to(installed.parent / "lib"), done.stdout
    assert Path(where, "seed", "clique_types.json").is_file()


def test_the_installed_calipso_serves_a_seeded_database(installed: Path, tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [str(installed / "calipso"), "serve"], cwd=tmp_path, text=True,
        env=_env(tmp_path, CALIPSO_API_BIND=f"127.0.0.1:{port}", CALIPSO_AUTH="none"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        types: list[dict] = []
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/clique_types?page_size=100"
                with urllib.request.urlopen(url, timeout=2) as answer:
                    types = json.load(answer)["clique_types"]
                break
            except OSError:
                time.sleep(0.3)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert any(t.get("focal_point_type") == "instance" for t in types)
        # the web UI is package data too
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ui/app.js", timeout=5) as js:
            assert js.status == 200 and len(js.read()) > 100_000
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()
