"""What a handler may use: the database, the settings, the scan metadata (the same
scanner tree and link finders a scan runs by) and the service's shared SSH pools."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from calipso.scanners.metadata_files import Metadata
from calipso.settings import Settings
from calipso.sources import SshPools


@dataclass(frozen=True, slots=True)
class EventServices:
    db: AsyncDatabase
    settings: Settings
    metadata: Metadata
    ssh_pools: SshPools | None = None
