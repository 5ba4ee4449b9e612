"""Settings come from CALIPSO_* variables; a wrong one is one clear line naming it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from calipso.errors import ConfigError
from calipso.settings import LogFormat, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("CALIPSO_MONGO_URI", "CALIPSO_DB_NAME", "CALIPSO_API_BIND", "CALIPSO_LOG_FORMAT"):
        monkeypatch.delenv(var, raising=False)
    settings = load_settings()
    assert settings.mongo_uri is None
    assert settings.db_name == "calipso"
    assert settings.api_host_port == ("127.0.0.1", 8000)
    assert settings.log_format is LogFormat.TEXT


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("CALIPSO_API_BIND", "localhost", "CALIPSO_API_BIND"),
        ("CALIPSO_API_BIND", "127.0.0.1:99999", "CALIPSO_API_BIND"),
        ("CALIPSO_LOG_FORMAT", "xml", "CALIPSO_LOG_FORMAT"),
        ("CALIPSO_LOG_LEVEL", "LOUD", "CALIPSO_LOG_LEVEL"),
        ("CALIPSO_DB_NAME", "a/b", "CALIPSO_DB_NAME"),
        ("CALIPSO_MONGO_TIMEOUT", "-1", "CALIPSO_MONGO_TIMEOUT"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_bad_variable_stops_the_command_with_one_line() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "calipso.cli", "serve"],
        env={"PATH": "/usr/bin:/bin", "CALIPSO_API_BIND": "nonsense"},
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("calipso: invalid setting CALIPSO_API_BIND")
    assert "Traceback" not in proc.stderr
