"""Reading a JSON file of metadata or seed data, with errors that name the file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from calipso.errors import MetadataError


def read_json(path: Path, label: str | None = None) -> Any:
    """The JSON document in ``path``; a ``MetadataError`` naming ``label`` (default: the
    path) says why it cannot be had."""
    where = label or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MetadataError([f"{where}: cannot read: file is missing"]) from None
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise MetadataError([f"{where}: cannot read: {reason}"]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise MetadataError([f"{where}: line {err.lineno} column {err.colno}: invalid JSON: "
                             f"{err.msg}"]) from None
