"""Fixtures of the scan tests: the shipped metadata, and a database prepared as
``calipso serve`` prepares it (indexes and seed data)."""

from __future__ import annotations

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from calipso.db import ensure_indexes
from calipso.scanners.metadata_files import Metadata, load_metadata
from calipso.seed import load_seed


@pytest.fixture(scope="module")
async def metadata() -> Metadata:
    return await load_metadata(None)


@pytest.fixture
async def seeded(db: AsyncDatabase) -> AsyncDatabase:
    await ensure_indexes(db)
    await load_seed(db)
    return db
