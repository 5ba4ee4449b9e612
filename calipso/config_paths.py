"""Where the metadata files live: ``CALIPSO_CONFIG_DIR``, else the ``config/`` shipped
beside the package (an installed wheel without it sets ``CALIPSO_CONFIG_DIR``, as the
Dockerfile does)."""

from __future__ import annotations

from pathlib import Path

SHIPPED_CONFIG = Path(__file__).resolve().parent.parent / "config"


def config_root(config_dir: Path | None) -> Path:
    return Path(config_dir) if config_dir is not None else SHIPPED_CONFIG
