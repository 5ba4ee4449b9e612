"""Benchmark of the HTTP API against reading the same documents straight through the driver.

    .venv/bin/python bench/api.py [--objects 100000] [--requests 4000] [--concurrency 50]
                                  [--page-size 100] [--list-requests 20] [--mongo-uri URI]

Starts SecantusDB (unless --mongo-uri), inserts the inventory of one environment with bulk
writes, runs `calipso serve` as a child process (as deployed: its own process, uvloop,
default log level), then measures at N concurrent clients:

- one object: ``GET /inventory?env_name=E&id=<random id>`` vs ``find_one({environment,
  id})``;
- a page of a folder's children (the tree view): ``GET /inventory?env_name=E&
  parent_id=<random folder>&page_size=50`` vs ``find(limit=50)`` (+ a count when full);
- a page of the whole environment: ``GET /inventory?env_name=E&page=<random>&
  page_size=P`` vs the same ``find(skip, limit)`` and ``count_documents`` (the API
  answers the total too; concurrent identical counts share one query).

Prints requests/s, p50 and p99 of each, and the API's p50 over the driver's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import uvloop
from pymongo import AsyncMongoClient

from calipso.embedded_db import EmbeddedServer, free_port

ENV = "bench-env"
PASSWORD = "bench-admin-pw"
HOSTS = 500
KINDS = ("instance", "vnic", "port", "vconnector")


def make_objects(count: int) -> list[dict]:
    """A plausible inventory: hosts, each with instances and vNICs, in folders."""
    docs = []
    for i in range(count):
        host = f"node-{i % HOSTS}"
        kind = KINDS[(i // HOSTS) % len(KINDS)]
        ident = f"{host}-{kind}-{i:06d}"
        parent = f"/{ENV}/{ENV}-regions/RegionOne/RegionOne-availability_zones/nova/{host}"
        docs.append({
            "environment": ENV, "id": ident, "type": kind, "name": ident,
            "object_name": ident, "parent_id": f"{host}-{kind}s", "parent_type": f"{kind}s_folder",
            "id_path": f"{parent}/{host}-{kind}s/{ident}",
            "name_path": f"{parent}/{kind.title()}s/{ident}", "host": host,
            "show_in_tree": True, "mac_address": f"fa:16:3e:{i >> 16 & 255:02x}:"
                                                  f"{i >> 8 & 255:02x}:{i & 255:02x}",
        })
    return docs


async def load(client: AsyncMongoClient, db_name: str, count: int) -> float:
    from calipso.db import ensure_indexes

    db = client[db_name]
    await ensure_indexes(db)
    await db.inventory.delete_many({"environment": ENV})
    started = time.perf_counter()
    docs = make_objects(count)
    for start in range(0, len(docs), 5000):
        await db.inventory.insert_many(docs[start:start + 5000], ordered=False)
    return time.perf_counter() - started


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process (0 if unknown)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(name: str, requests: int, concurrency: int,
                  one: Callable[[int], Awaitable[None]], pids: dict[str, int | None]
                  ) -> dict:
    latencies: list[float] = []
    counter = iter(range(requests))

    async def worker() -> None:
        for i in counter:
            started = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - started)

    cpu_before = {k: cpu_seconds(pid) for k, pid in pids.items()}
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    cpu = {k: (cpu_seconds(pid) - cpu_before[k]) * 1000 / requests for k, pid in pids.items()}
    latencies.sort()
    return {"name": name, "rps": len(latencies) / elapsed,
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000, "cpu_ms": cpu}


async def start_service(uri: str, db_name: str, port: int, profile: str | None,
                        log_level: str) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALIPSO_")}
    env.update(CALIPSO_MONGO_URI=uri, CALIPSO_DB_NAME=db_name,
               CALIPSO_API_BIND=f"127.0.0.1:{port}", CALIPSO_ADMIN_PASSWORD=PASSWORD,
               CALIPSO_DATA_DIR=tempfile.mkdtemp(prefix="calipso-bench-"),
               CALIPSO_LOG_LEVEL=log_level)
    command = ["-m", "calipso.cli", "serve"]
    if profile:  # CPU time, not wall time: what the process itself spends
        command = ["-c", "import cProfile, time\nfrom calipso.cli import main\n"
                   "p = cProfile.Profile(time.process_time)\np.enable()\n"
                   f"try:\n    main(['serve'])\nfinally:\n    p.dump_stats({profile!r})"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *command, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            try:
                async with http.get(f"http://127.0.0.1:{port}/health") as resp:
                    if resp.status == 200:
                        return proc
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    proc.kill()
    raise SystemExit("calipso serve did not come up")


async def run(args: argparse.Namespace) -> list[dict]:
    server = None
    uri = args.mongo_uri
    if uri is None:
        server = EmbeddedServer(Path(tempfile.mkdtemp(prefix="calipso-bench-db-")))
        await server.start()
        uri = server.uri
    db_name = f"bench_{os.getpid()}"
    client: AsyncMongoClient = AsyncMongoClient(uri, maxPoolSize=args.concurrency)
    proc = None
    try:
        took = await load(client, db_name, args.objects)
        print(f"inserted {args.objects} objects in {took:.1f} s "
              f"({args.objects / took:,.0f}/s, bulk writes of 5000)", flush=True)
        db = client[db_name]
        port = free_port()
        proc = await start_service(uri, db_name, port, args.profile, args.log_level)
        base = f"http://127.0.0.1:{port}"
        connector = aiohttp.TCPConnector(limit=args.concurrency)
        async with aiohttp.ClientSession(connector=connector) as http:
            async with http.post(f"{base}/auth/tokens", json={"auth": {
                    "methods": ["credentials"],
                    "credentials": {"username": "admin", "password": PASSWORD}}}) as resp:
                token = (await resp.json())["token"]
            headers = {"X-Auth-Token": token}
            await db.environments_config.insert_one({"name": ENV})
            ids = [d["id"] for d in make_objects(args.objects)]
            rng = random.Random(7)
            picks = [rng.choice(ids) for _ in range(args.requests)]
            parents = [f"node-{rng.randrange(HOSTS)}-{rng.choice(KINDS)}s"
                       for _ in range(args.requests)]
            pages = [rng.randrange(args.objects // args.page_size)
                     for _ in range(args.list_requests)]
            proj = {"id": 1, "name": 1, "name_path": 1}

            async def get(params: dict) -> None:
                async with http.get(f"{base}/inventory", params=params,
                                    headers=headers) as resp:
                    assert resp.status == 200, resp.status
                    await resp.read()

            async def api_one(i: int) -> None:
                await get({"env_name": ENV, "id": picks[i]})

            async def db_one(i: int) -> None:
                doc = await db.inventory.find_one({"environment": ENV, "id": picks[i]})
                assert doc is not None

            async def api_children(i: int) -> None:
                await get({"env_name": ENV, "parent_id": parents[i], "page_size": 50})

            async def db_children(i: int) -> None:
                filt = {"environment": ENV, "parent_id": parents[i]}
                docs = await db.inventory.find(filt, proj, limit=50).to_list()
                if len(docs) == 50:
                    await db.inventory.count_documents(filt)

            async def api_page(i: int) -> None:
                await get({"env_name": ENV, "page": pages[i], "page_size": args.page_size})

            async def db_page(i: int) -> None:
                filt = {"environment": ENV}
                await asyncio.gather(
                    db.inventory.find(filt, proj, skip=pages[i] * args.page_size,
                                      limit=args.page_size).to_list(),
                    db.inventory.count_documents(filt))

            pids = {"bench": os.getpid(), "api": proc.pid,
                    "db": server.pid if server is not None else None}
            await measure("warm-up", 200, args.concurrency, api_one, pids)
            await measure("warm-up", 200, args.concurrency, db_one, pids)
            rows = []
            for name, api_fn, db_fn, n in (
                ("one object (env_name, id)", api_one, db_one, args.requests),
                ("children page of 50 (env_name, parent_id)", api_children, db_children,
                 args.requests // 2),
                (f"environment page of {args.page_size} (env_name, page)", api_page,
                 db_page, args.list_requests),
            ):
                rows.append(await measure(f"{name}: API", n, args.concurrency, api_fn, pids))
                print(rows[-1], flush=True)
                rows.append(await measure(f"{name}: driver", n, args.concurrency, db_fn,
                                          pids))
                print(rows[-1], flush=True)
        return rows
    finally:
        if proc is not None:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 15)
        await client.drop_database(db_name)
        await client.close()
        if server is not None:
            await server.stop()


def table(rows: list[dict], concurrency: int) -> str:
    lines = [f"| read ({concurrency} clients) | requests/s | p50 ms | p99 ms | p50 vs driver "
             "| CPU ms/request: API, DB, client |",
             "|---|---:|---:|---:|---:|---|"]
    for api_row, db_row in zip(rows[::2], rows[1::2], strict=True):
        for row in (api_row, db_row):
            ratio = f"{api_row['p50'] / db_row['p50']:.2f}x" if row is api_row else ""
            cpu = row["cpu_ms"]
            rps = f"{row['rps']:,.0f}" if row["rps"] >= 10 else f"{row['rps']:.2f}"
            lines.append(f"| {row['name']} | {rps} | {row['p50']:.1f} | "
                         f"{row['p99']:.1f} | {ratio} | {cpu['api']:.2f}, {cpu['db']:.2f}, "
                         f"{cpu['bench']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--list-requests", type=int, default=20,
                        help="environment-wide pages (each reads the whole environment "
                             "on SecantusDB)")
    parser.add_argument("--mongo-uri", default=None)
    parser.add_argument("--log-level", default="INFO",
                        help="CALIPSO_LOG_LEVEL of the service (INFO logs every request)")
    parser.add_argument("--profile", default=None, metavar="FILE",
                        help="run calipso serve under cProfile, writing FILE")
    args = parser.parse_args()
    rows = uvloop.run(run(args))
    print(table(rows, args.concurrency))


if __name__ == "__main__":
    main()
