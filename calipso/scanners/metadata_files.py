"""The metadata files under ``config/`` that drive scans, loaded and checked at start-up."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from calipso.config_paths import config_root
from calipso.errors import MetadataError
from calipso.links.plan import LinkFinderPlan, load_link_plan
from calipso.scanners.metadata import ScannerTree, load_scanners


@dataclass(frozen=True, slots=True)
class Metadata:
    """The scanner tree and link-finder plan a scan runs by."""

    scanners: ScannerTree
    link_plan: LinkFinderPlan


def _load(root: Path) -> Metadata:
    problems: list[str] = []
    scanners = plan = None
    try:
        scanners = load_scanners(root / "scanners.json")
    except MetadataError as err:
        problems.extend(err.problems)
    try:
        plan = load_link_plan(root / "link_finders.json")
    except MetadataError as err:
        problems.extend(err.problems)
    if problems or scanners is None or plan is None:
        raise MetadataError(problems)
    return Metadata(scanners, plan)


async def load_metadata(config_dir: Path | None) -> Metadata:
    """Every metadata problem at once, as one ``MetadataError`` (imports run in a thread)."""
    return await asyncio.to_thread(_load, config_root(config_dir))
