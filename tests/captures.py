"""The captures under ``tests/captures`` (our own, see its README), read by path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CAPTURES = Path(__file__).resolve().parent / "captures"
CURRENT = CAPTURES / "current_openstack"


def capture_text(relative: str) -> str:
    return (CURRENT / relative).read_text(encoding="utf-8")


def capture_json(relative: str) -> Any:
    return json.loads(capture_text(relative))
