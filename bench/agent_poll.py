"""Benchmark: one round of the agent poll (``calipso.events.liveness.check_liveness``).

    python bench/agent_poll.py                  # 100 hosts, OVS
    python bench/agent_poll.py --hosts 300 --rounds 5

A cloud is simulated in this process (no AMQP needed), scanned once; then rounds of the
poll are timed with nothing changed (what every interval costs), and one with an agent
whose heartbeat stopped (what finding it costs): wall time, API calls, database time
and the objects written.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from events import DatabaseTime  # bench/events.py
from pymongo import AsyncMongoClient

from calipso.db import ensure_indexes
from calipso.embedded_db import EmbeddedServer
from calipso.env_config import EnvironmentConfig
from calipso.events.liveness import check_liveness
from calipso.events.services import EventServices
from calipso.scanners.lifecycle import ScanOptions
from calipso.scanners.metadata_files import load_metadata
from calipso.scanners.scan import run_scan
from calipso.seed import load_seed
from calipso.settings import load_settings
from calipso.sim import spec_from_flags
from calipso.sim.server import SimCloud


async def main(args: argparse.Namespace) -> None:
    settings = load_settings()
    metadata = await load_metadata(settings.config_dir)
    spec = spec_from_flags(hosts=args.hosts, instances=args.hosts * 2, networks=10,
                           driver=args.driver, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        server = None
        uri = os.environ.get("CALIPSO_MONGO_URI")
        if not uri:
            server = EmbeddedServer(Path(tmp) / "db")
            await server.start()
            uri = server.uri
        dbtime = DatabaseTime()
        client: AsyncMongoClient = AsyncMongoClient(uri, tz_aware=True, event_listeners=[dbtime])
        db = client["calipso_bench_agent_poll"]
        try:
            await client.drop_database(db.name)
            await ensure_indexes(db)
            await load_seed(db)
            async with SimCloud(spec, env_name="bench") as sim:
                env = EnvironmentConfig.model_validate(sim.env_config())
                started = time.perf_counter()
                await run_scan(db, settings, env, metadata, ScanOptions(), "bench")
                print(f"scan of {args.hosts} hosts: {time.perf_counter() - started:.1f} s")
                services = EventServices(db, settings, metadata)

                async def timed(label: str) -> float:
                    calls, db0 = sim.api.calls, dbtime.seconds
                    dbtime.by_kind.clear()
                    started = time.perf_counter()
                    found = await check_liveness(services, env, "bench")
                    wall = time.perf_counter() - started
                    print(f"{label}: {wall * 1000:.0f} ms, {sim.api.calls - calls} API calls, "
                          f"database {(dbtime.seconds - db0) * 1000:.0f} ms, "
                          f"{found.applied.objects} written, "
                          f"{len(found.transitions)} transitions; database: {dbtime.top()}")
                    return wall

                walls = [await timed(f"round {i + 1}, nothing changed")
                         for i in range(args.rounds)]
                print(f"nothing changed: median {statistics.median(walls) * 1000:.0f} ms")
                host = sim.cloud.compute_hosts()[0]
                agent = sim.cloud.agents_on_host(host.name)[0]
                sim.cloud.set_heartbeats({(host.name, agent.binary)})
                await timed("one agent down")
                sim.cloud.set_heartbeats(set())
                await timed("back up")
        finally:
            await client.drop_database(db.name)
            await client.close()
            if server is not None:
                await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--driver", default="ovs")
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
