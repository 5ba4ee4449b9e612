"""What the running service hands to its parts and to the HTTP API."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from calipso.db import Database
from calipso.scanners.metadata_files import Metadata
from calipso.settings import Settings
from calipso.sources import SshPools
from calipso.supervisor import Supervisor


@dataclass(slots=True)
class ServiceContext:
    settings: Settings
    database: Database
    supervisor: Supervisor
    metadata: Metadata
    version: str
    # one SSH pool per environment, shared by the scans, events and checks running on it
    ssh_pools: SshPools
    started_at: float = field(default_factory=time.time)
    # what parts add to /health under their own key (the event manager: "events")
    reports: dict[str, Callable[[], Any]] = field(default_factory=dict)
