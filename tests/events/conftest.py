"""Fixtures of the events tests: the shipped scan metadata."""

from __future__ import annotations

import pytest

from calipso.scanners.metadata_files import Metadata, load_metadata


@pytest.fixture(scope="module")
async def metadata() -> Metadata:
    return await load_metadata(None)
