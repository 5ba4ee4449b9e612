"""Where the metadata files live: ``CALIPSO_CONFIG_DIR``, else ``calipso/config/``, shipped
inside the package as package data (so a plain ``pip install .`` finds it too)."""

from __future__ import annotations

from pathlib import Path

SHIPPED_CONFIG = Path(__file__).resolve().parent / "config"


def config_root(config_dir: Path | None) -> Path:
    return Path(config_dir) if config_dir is not None else SHIPPED_CONFIG
