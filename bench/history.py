"""Benchmark: the cost of recording history, the size of a day of it, and impact queries.

    python bench/history.py                       # every part, default sizes
    python bench/history.py --parts scan,size --hosts 200 --instances 4000 --rounds 2
    python bench/history.py --parts impact --impact-hosts 1000

- **scan**: one full scan of a simulated cloud (``calipso sim`` child process, SSH 20 ms,
  API 30 ms) into a fresh database with history off, then on (``--rounds`` times, in
  turn, so the machine's load falls on both alike); wall time, phases, database write
  time, the revisions recorded with their size, and the seconds spent recording them.
- **events**: ``bench/events.py`` as it is, with history off, then on.
- **size** (with **scan**): 1,000 changes after the scan (500 renames through the
  inventory writer, 500 monitoring status changes): the mean stored size of a revision,
  and so a day of history at 10 changes/s.
- **impact**: the truth of a generated cloud (``--impact-hosts`` hosts, 20 instances a
  host) written through the inventory and link writers, then ``dependants`` of random
  compute hosts, tunnel pNICs and networks, and ``dependencies`` of random instances:
  p50 / p95 / max per kind.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bson
from harness import database_uri, fresh_database
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from calipso.env_config import EnvironmentConfig
from calipso.history.impact import dependants, dependencies
from calipso.inventory import (
    InventoryWriter,
    LinkWriter,
    Status,
    batch,
    clique_batch,
    link_batch,
    removal,
    set_object_status,
)
from calipso.inventory.revisions import kept, set_recording
from calipso.scanners.lifecycle import ScanOptions
from calipso.scanners.metadata_files import load_metadata
from calipso.scanners.scan import run_scan
from calipso.settings import load_settings
from calipso.sim import spec_from_flags
from calipso.sim.generate import generate
from calipso.sim.server import SimProcess
from calipso.sim.truth import build_truth

DAY = 86_400


async def revision_bytes(db: AsyncDatabase, query: dict[str, Any]) -> tuple[int, int]:
    """How many revisions match, and their BSON size in all."""
    count = size = 0
    async for doc in db.revisions.find(query):
        count += 1
        size += len(bson.encode(doc))
    return count, size


class HistoryClock:
    """Seconds spent in the history recording itself, by wrapping its functions where the
    writers call them (the share of a scan that history costs, less sensitive to the
    machine's load than two wall times)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._patched: list[tuple[Any, str, Any]] = []

    def wrap(self, module: Any, name: str) -> None:
        original = getattr(module, name)
        clock = self

        if asyncio.iscoroutinefunction(original):
            async def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    clock.seconds += time.perf_counter() - started
        else:
            def timed(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
                started = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    clock.seconds += time.perf_counter() - started
        setattr(module, name, timed)
        self._patched.append((module, name, original))

    def __enter__(self) -> HistoryClock:
        for name in ("stored_before", "batch_revisions", "record"):
            self.wrap(batch, name)
        for module in (removal, link_batch, clique_batch):
            self.wrap(module, "read_and_record_removal")
        return self

    def __exit__(self, *exc: object) -> None:
        for module, name, original in reversed(self._patched):
            setattr(module, name, original)


async def scan_part(client: AsyncMongoClient, args: argparse.Namespace, work: Path) -> None:
    settings = load_settings()
    metadata = await load_metadata(settings.config_dir)
    sim_args = ["--hosts", str(args.hosts), "--instances", str(args.instances),
                "--networks", str(args.networks), "--latency-ssh", "20",
                "--latency-api", "30", "--env-name", "bench"]
    (work / "sim").mkdir()
    walls: dict[bool, list[float]] = {False: [], True: []}
    async with SimProcess(sim_args, work / "sim") as sim:
        env = EnvironmentConfig.model_validate(sim.env)
        for _ in range(args.rounds):
            for on in (False, True):
                db = await fresh_database(client, "calipso_bench_history")
                set_recording(on)
                started = time.perf_counter()
                with HistoryClock() as clock:
                    result = await run_scan(db, settings, env, metadata, ScanOptions(),
                                            "bench")
                wall = time.perf_counter() - started
                walls[on].append(wall)
                phases = ", ".join(f"{k} {v:.1f} s" for k, v in result.phase_s.items())
                count, size = await revision_bytes(db, {})
                print(f"scan, history {'on ' if on else 'off'}: {result.status}, "
                      f"{wall:.1f} s ({phases}); database writes {result.db_write_s:.1f} s; "
                      f"{count} revisions, {size / 2**20:.1f} MiB; recording them "
                      f"{clock.seconds:.1f} s ({clock.seconds / wall * 100:.1f}% of the scan)")
        if "size" in args.parts:
            await size_part(db)
    set_recording(True)
    off, on = statistics.mean(walls[False]), statistics.mean(walls[True])
    print(f"scan of {args.hosts} hosts / {args.instances} instances: history off "
          f"{off:.1f} s, on {on:.1f} s: {(on / off - 1) * 100:+.1f}%")


async def size_part(db: AsyncDatabase) -> None:
    """1,000 changes on the scanned environment; the mean revision and a day of them."""
    since = datetime.now(UTC)
    instances = await db.inventory.find({"environment": "bench", "type": "instance"},
                                        {"_id": 0}).to_list(500)
    writer = InventoryWriter(db, "bench", since)
    await writer.load_existing()
    await writer.add([kept(d) | {"name": f"{d['name']}-renamed"} for d in instances])
    await writer.finish()
    for i, doc in enumerate(instances):
        await set_object_status(db, "bench", doc["id"], Status.Error if i % 2 else Status.Warning,
                                f"check {i}: CRITICAL - rta 512 ms, lost 40%", datetime.now(UTC))
    count, size = await revision_bytes(db, {"at": {"$gt": since}})
    mean = size / max(count, 1)
    print(f"size: {count} revisions of renames and status changes, mean {mean:.0f} bytes; "
          f"a day at 10 changes/s: {mean * 10 * DAY / 2**20:.0f} MiB of documents "
          f"(before indexes)")


async def events_part(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    import events  # bench/events.py, run as it is

    event_args = argparse.Namespace(hosts=args.event_hosts, instances=args.event_hosts * 2,
                                    networks=3, driver="ovs", latency_ssh=20.0,
                                    latency_api=30.0, ports=20, boots=20, rates=[10.0],
                                    prefetch=events.PREFETCH)
    for _ in range(args.rounds):
        for on in (False, True):
            set_recording(on)
            out = io.StringIO()
            started = time.perf_counter()
            with contextlib.redirect_stdout(out), HistoryClock() as clock:
                await events.main(event_args)
            wall = time.perf_counter() - started
            for line in out.getvalue().splitlines():
                print(f"events, history {'on ' if on else 'off'}: {line}")
            print(f"events, history {'on ' if on else 'off'}: whole run {wall:.1f} s, "
                  f"recording history {clock.seconds:.1f} s")
    set_recording(True)


async def impact_part(client: AsyncMongoClient, args: argparse.Namespace) -> None:
    spec = spec_from_flags(hosts=args.impact_hosts, instances=args.impact_hosts * 20,
                           networks=max(args.impact_hosts // 5, 2), seed=1)
    truth = build_truth(generate(spec), "big")
    db = await fresh_database(client, "calipso_bench_impact")
    set_recording(False)  # the set-up is not what is measured
    started = time.perf_counter()
    at = datetime.now(UTC)
    writer = InventoryWriter(db, "big", at, batch_size=5000)
    await writer.load_existing()
    await writer.add(truth["objects"])
    await writer.finish()
    links = LinkWriter(db, "big", at, batch_size=5000)
    await links.load_existing()
    for link in truth["links"]:
        await links.add(link)
    await links.flush()
    set_recording(True)
    print(f"impact: {len(truth['objects'])} objects and {len(truth['links'])} links written "
          f"in {time.perf_counter() - started:.0f} s")
    rng = random.Random(1)
    objects = truth["objects"]
    computes = [o["id"] for o in objects if o["type"] == "host"
                and "Compute" in o.get("host_type", [])]
    pnics = sorted({k["target_id"] for k in truth["links"] if k["link_type"] == "otep-host_pnic"})
    networks = [o["id"] for o in objects if o["type"] == "network"]
    instances = [o["id"] for o in objects if o["type"] == "instance"]
    cases: list[tuple[str, Callable[[str], Awaitable[Any]], list[str]]] = [
        ("dependants of a compute host", lambda i: dependants(db, "big", i), computes),
        ("dependants of a tunnel pNIC", lambda i: dependants(db, "big", i), pnics),
        ("dependants of a network", lambda i: dependants(db, "big", i), networks),
        ("dependencies of an instance", lambda i: dependencies(db, "big", i), instances),
    ]
    for name, query, ids in cases:
        times: list[float] = []
        for object_id in rng.sample(ids, min(args.impact_queries, len(ids))):
            started = time.perf_counter()
            await query(object_id)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"impact at {args.impact_hosts} hosts, {name}: {len(times)} queries, "
              f"p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, max {times[-1]:.0f} ms")
    await client.drop_database(db.name)


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        async with database_uri(work) as uri:
            client: AsyncMongoClient = AsyncMongoClient(uri, tz_aware=True)
            try:
                print(f"load average at start: {os.getloadavg()[0]:.1f}")
                if "scan" in args.parts:
                    await scan_part(client, args, work)
                if "impact" in args.parts:
                    await impact_part(client, args)
                print(f"load average: {os.getloadavg()[0]:.1f}")
            finally:
                await client.drop_database("calipso_bench_history")
                await client.close()
    if "events" in args.parts:  # with its own database server
        await events_part(args)
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", type=lambda s: s.split(","),
                        default=["scan", "size", "impact", "events"])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--instances", type=int, default=4000)
    parser.add_argument("--networks", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--event-hosts", type=int, default=10)
    parser.add_argument("--impact-hosts", type=int, default=1000)
    parser.add_argument("--impact-queries", type=int, default=100)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
