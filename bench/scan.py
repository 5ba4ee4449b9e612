"""Benchmark: a full scan of a simulated cloud served by a separate process, then a
re-scan of the same, unchanged cloud.

    python bench/scan.py                       # 200 hosts, 4,000 instances, OVS, 20/30 ms
    python bench/scan.py --hosts 1000 --instances 20000 --latency-ssh 0 --latency-api 0

Prints wall time, objects/s, Calipso's CPU seconds and peak RSS, the calls made to each
source, the lower bound (simulated latency x calls / configured concurrency), and the
database write time next to one raw ``bulk_write`` of the same documents; then the
unchanged re-scan's wall and database time against the first scan's (targets 0.25x and
0.1x).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from harness import Timed, database_uri, fresh_database
from pymongo import AsyncMongoClient, UpdateOne

from calipso.env_config import EnvironmentConfig
from calipso.inventory import encode_keys
from calipso.scanners.context import ScanContext
from calipso.scanners.lifecycle import ScanOptions
from calipso.scanners.metadata_files import load_metadata
from calipso.scanners.scan import run_scan
from calipso.settings import load_settings
from calipso.sim.server import SimProcess


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PhaseMemory:
    """Highest RSS seen in each phase (sampled by the scan's progress callback)."""

    def __init__(self) -> None:
        self.peaks: dict[str, float] = {}

    def __call__(self, ctx: ScanContext) -> None:
        phase = ctx.state.phase
        self.peaks[phase] = max(self.peaks.get(phase, 0.0), rss_mib())


async def raw_bulk_write_seconds(client: AsyncMongoClient, docs: list[dict]) -> float:
    """One bulk upsert of the same documents into a scratch database: the floor."""
    scratch = client["bench_raw_write"]
    await scratch.inventory.create_index([("environment", 1), ("id", 1)], unique=True)
    ops = [UpdateOne({"environment": d["environment"], "id": d["id"]},
                     {"$set": encode_keys(d)}, upsert=True) for d in docs]
    started = time.perf_counter()
    await scratch.inventory.bulk_write(ops, ordered=True)
    elapsed = time.perf_counter() - started
    await client.drop_database("bench_raw_write")
    return elapsed


async def main(args: argparse.Namespace) -> None:
    settings = load_settings()
    metadata = await load_metadata(settings.config_dir)
    sim_args = ["--hosts", str(args.hosts), "--instances", str(args.instances),
                "--networks", str(args.networks), "--driver", args.driver,
                "--latency-ssh", str(args.latency_ssh), "--latency-api", str(args.latency_api),
                "--env-name", "bench"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        async with database_uri(work) as uri:
            client: AsyncMongoClient = AsyncMongoClient(uri, tz_aware=True)
            db = await fresh_database(client, "calipso_bench")
            (work / "sim").mkdir()
            async with SimProcess(sim_args, work / "sim") as sim:
                env = EnvironmentConfig.model_validate(sim.env)
                memory = PhaseMemory()
                timed = Timed()
                result = await run_scan(db, settings, env, metadata, ScanOptions(), "bench",
                                        progress=memory)
                wall, cpu = timed.wall, timed.cpu
                peak = peak_rss_mib()  # before this script reads the documents back below
                started = time.perf_counter()
                again = await run_scan(db, settings, env, metadata, ScanOptions(), "bench-again")
                again_wall = time.perf_counter() - started
            docs = await db.inventory.find({"environment": "bench"}, {"_id": 0}).to_list(None)
            raw = await raw_bulk_write_seconds(client, docs)
            await client.drop_database("calipso_bench")
            await client.close()
    objects = sum(result.counts.values())
    calls = result.source_calls
    ssh_parallel = settings.max_ssh_connections * settings.max_ssh_channels_per_host
    bound = max(calls.get("ssh", 0) * args.latency_ssh / 1000 / ssh_parallel,
                calls.get("api", 0) * args.latency_api / 1000 / settings.max_api_calls)
    rows = [
        ("cloud", f"{args.hosts} hosts, {args.instances} instances, {args.driver}, "
                  f"SSH {args.latency_ssh} ms, API {args.latency_api} ms"),
        ("status", result.status + (f" ({len(result.errors)} errors)" if result.errors else "")),
        ("objects / links / cliques", f"{objects} / {result.links} / {result.cliques}"),
        ("wall time", f"{wall:.1f} s"),
        ("phases", ", ".join(f"{k} {v:.1f} s" for k, v in result.phase_s.items())),
        ("objects/s", f"{objects / wall:.0f}"),
        ("Calipso CPU", f"{cpu:.1f} s"),
        ("Calipso peak RSS", f"{peak:.0f} MiB"),
        ("RSS by phase (sampled)", ", ".join(f"{k} {v:.0f} MiB" for k, v in memory.peaks.items())),
        ("calls", f"API {calls.get('api', 0)}, SSH {calls.get('ssh', 0)}, "
                  f"MySQL {calls.get('mysql', 0)}"),
        ("lower bound (latency x calls / concurrency)", f"{bound:.1f} s"),
        ("wall / lower bound", f"{wall / bound:.2f}x" if bound else "n/a"),
        ("inventory phase / max(lower bound, raw write)",
         f"{result.phase_s.get('inventory', 0) / max(bound, raw):.2f}x"),
        ("inventory write time (scan)", f"{result.write_s['inventory']:.2f} s"),
        ("one raw bulk_write of the same docs", f"{raw:.2f} s"),
        ("write time / raw", f"{result.write_s['inventory'] / raw:.2f}x" if raw else "n/a"),
        ("database writes, all collections", f"{result.db_write_s:.2f} s"),
        ("re-scan (unchanged cloud): status", again.status),
        ("re-scan wall time", f"{again_wall:.1f} s ({again_wall / wall:.2f}x the first)"),
        ("re-scan phases", ", ".join(f"{k} {v:.1f} s" for k, v in again.phase_s.items())),
        ("re-scan database writes", f"{again.db_write_s:.2f} s "
                                    f"({again.db_write_s / result.db_write_s:.2f}x the first)"),
        ("re-scan documents written", ", ".join(f"{k} {v}" for k, v in again.written.items())),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if args.json:
        print(json.dumps({k: v for k, v in rows}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--instances", type=int, default=4000)
    parser.add_argument("--networks", type=int, default=40)
    parser.add_argument("--driver", default="ovs", choices=["ovs", "lxb", "vpp"])
    parser.add_argument("--latency-ssh", type=float, default=20)
    parser.add_argument("--latency-api", type=float, default=30)
    parser.add_argument("--json", action="store_true")
    sys.exit(asyncio.run(main(parser.parse_args())))
