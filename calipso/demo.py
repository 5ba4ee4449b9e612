"""``calipso serve --demo``: a small simulated cloud, registered as ``demo`` and scanned."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from pymongo.asynchronous.database import AsyncDatabase

from calipso.scanners.lifecycle import ScanOptions, request_scan
from calipso.sim import spec_from_flags
from calipso.sim.server import SimCloud

log = logging.getLogger(__name__)

DEMO_ENV = "demo"


@contextlib.asynccontextmanager
async def open_demo(db: AsyncDatabase) -> AsyncIterator[SimCloud]:
    """Serve the demo cloud while the service runs; register it and ask for a scan."""
    spec = spec_from_flags(hosts=4, instances=12, networks=3, driver="ovs",
                           type_driver="vxlan", seed=2026)
    async with SimCloud(spec, env_name=DEMO_ENV) as sim:
        await db.environments_config.replace_one({"name": DEMO_ENV}, sim.env_config(),
                                                 upsert=True)
        await request_scan(db, DEMO_ENV, ScanOptions(), origin="demo")
        log.info("demo cloud serving; scan requested", extra={
            "env": DEMO_ENV, "hosts": len(sim.cloud.hosts),
            "instances": len(sim.cloud.instances)})
        yield sim
