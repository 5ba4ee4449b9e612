"""Benchmark: monitoring results applied per second, and a round of Calipso's own checks.

    python bench/monitoring.py                      # 200 hosts, 4,000 instances
    python bench/monitoring.py --results 20000 --ssh-latency 20 --hosts 200

The inventory is a simulated cloud's truth (what a scan stores), inserted once. Then:

- **raw bulk_write**: the status fields of ``--results`` objects set by one unordered
  ``bulk_write`` of ``UpdateOne`` (no reads, no messages): the database's floor.
- **applier**: the same results through ``ResultApplier.apply`` in batches of
  ``--batch`` (read of the statuses held, one ``bulk_write``, messages on change), first
  as changes (every status new, one message each), then as repeats (timestamps only).
- **HTTP**: ``POST /monitoring/results`` of one Sensu Go event per request, ``--clients``
  at once, against ``calipso serve`` running in this process (client and server share
  the loop); and of ``{"results": [...]}`` posts of 100. p95 of the request time is the
  result-to-database latency (the answer comes after the write).
- **AMQP**: Sensu classic results published to a results exchange of this machine's
  RabbitMQ and consumed by the intake; rate, and p95 from publication to write.
- **own checks**: one round over ``--hosts`` simulated hosts answering each SSH command
  after ``--ssh-latency`` ms; the bound is hosts / hosts at once x one command's latency.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import aiohttp
from harness import Timed, database_uri, fresh_database
from pymongo import AsyncMongoClient, UpdateOne

from calipso.env_config import EnvironmentConfig
from calipso.monitoring.amqp_intake import ResultsConsumer
from calipso.monitoring.apply import ResultApplier
from calipso.monitoring.check_names import LinkTarget, parse_check_name
from calipso.monitoring.intake import ResultIntake
from calipso.monitoring.own_checks import OwnChecks
from calipso.monitoring.results import parse_result
from calipso.service import serve
from calipso.settings import load_settings
from calipso.sim import spec_from_flags
from calipso.sim.sensu import publish_sensu_results, sensu_go_event, sensu_results
from calipso.sim.server import SimCloud
from calipso.sources import SshPools

URI = "amqp://guest:guest@127.0.0.1:5672/"
TOKEN = "bench-monitoring-token-0123456789"


class _Failures(logging.Handler):
    """Keeps why hosts were unreachable (the pool's warnings carry it in ``error``)."""

    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(str(getattr(record, "error", record.getMessage())))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


def line(what: str, count: int, timed: Timed, extra: str = "") -> None:
    """Wall rate, and the rate one core of Calipso sustains (``harness.Timed``)."""
    wall, cpu = timed.wall, timed.cpu
    print(f"{what:<44} {count:>7} in {wall:7.3f} s = {count / wall:8.0f}/s | "
          f"{count / cpu:8.0f}/s per core of ours {extra}")


async def raw_and_applier(db, env: str, results: list[dict], batch: int) -> None:
    """The same updates as one raw bulk_write per batch, then through the applier."""
    parsed = [parse_result(r) for r in results]
    lists = {d["name"]: tuple(x["value"] for x in d["data"]) async for d in db.constants.find(
        {"name": {"$in": ["object_types", "link_types"]}})}
    now = datetime.now(UTC)
    ops = []
    for r in parsed:
        target = parse_check_name(r.name, lists["object_types"], lists["link_types"])[0]
        key = ({"environment": env, "link_type": target.link_type,
                "source_id": target.source_id, "target_id": target.target_id}
               if isinstance(target, LinkTarget) else {"environment": env,
                                                        "id": target.object_id})
        ops.append(("links" if isinstance(target, LinkTarget) else "inventory", UpdateOne(
            key, {"$set": {"status": "OK", "status_value": 0, "status_text": r.output,
                           "status_timestamp": now}})))
    timed = Timed()
    for start in range(0, len(ops), batch):
        part = ops[start:start + batch]
        for coll in ("inventory", "links"):
            mine = [op for c, op in part if c == coll]
            if mine:
                await db[coll].bulk_write(mine, ordered=False)
    line("raw bulk_write of the same updates", len(ops), timed)
    await db.inventory.update_many({"environment": env}, {"$unset": {
        "status": "", "status_value": "", "status_text": "", "status_timestamp": ""}})
    await db.links.update_many({"environment": env}, {"$unset": {
        "status": "", "status_value": "", "status_text": "", "status_timestamp": ""}})
    applier = ResultApplier(db, env)
    for round_name in ("applier, every status new (+ messages)", "applier, repeats"):
        timed = Timed()
        for start in range(0, len(parsed), batch):
            await applier.apply(parsed[start:start + batch])
        line(round_name, len(parsed), timed)


async def http(url: str, env: str, results: list[dict], clients: int) -> None:
    events = [sensu_go_event(r) for r in results]
    headers = {"X-Monitoring-Token": TOKEN}
    times: list[float] = []
    queue: asyncio.Queue = asyncio.Queue()
    for event in events:
        queue.put_nowait(event)
    async with aiohttp.ClientSession() as session:
        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                async with session.post(f"{url}/monitoring/results", params={"env_name": env},
                                        json=body, headers=headers) as resp:
                    assert resp.status == 200, await resp.text()
                    await resp.read()
                times.append(time.perf_counter() - started)

        timed = Timed()
        await asyncio.gather(*(worker() for _ in range(clients)))
        line(f"HTTP, one event per post, {clients} clients", len(events), timed,
             f"p95 {p95(times) * 1000:.1f} ms")
        times.clear()
        for i in range(0, len(events), 100):
            queue.put_nowait({"results": events[i:i + 100]})
        count = queue.qsize()
        timed = Timed()
        await asyncio.gather(*(worker() for _ in range(min(clients, 8))))
        line("HTTP, 100 events per post, 8 clients", count * 100, timed,
             f"p95 {p95(times) * 1000:.1f} ms per post")


async def amqp(db, env: str, results: list[dict]) -> None:
    from calipso.env_config import MonitoringSection

    tag = uuid.uuid4().hex[:8]
    section = MonitoringSection.model_validate({
        "name": "Monitoring", "config_folder": "/tmp/sensu", "provision": "None",
        "env_type": "testing", "api_port": 4567, "rabbitmq_pass": "guest",
        "rabbitmq_user": "guest", "rabbitmq_port": 5672, "server_ip": "127.0.0.1",
        "server_name": "sensu", "type": "Sensu", "rabbitmq_vhost": "/"})
    consumer = ResultsConsumer(ResultIntake(db), env, section, prefix=f"bench-mon-{tag}",
                               exchange=f"bench-results-{tag}")
    task = asyncio.create_task(consumer.run())
    try:
        await asyncio.wait_for(consumer.consuming.wait(), 20)
        stamp = time.time()
        for r in results:
            r["check"]["executed"] = stamp
        timed = Timed()
        await publish_sensu_results(URI, results, exchange=f"bench-results-{tag}")
        while consumer.stats.received < len(results):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        line("AMQP (publish and apply together)", len(results), timed,
             f"p95 {p95(list(consumer.stats.lags)) * 1000:.0f} ms, "
             f"{consumer.stats.batches} batches")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        async with await aio_pika.connect(URI) as connection:
            channel = await connection.channel()
            for name in (consumer.queue, f"{consumer.queue}.dead"):
                await channel.queue_delete(name)
            for name in (f"{consumer.queue}.dead", f"bench-results-{tag}"):
                await channel.exchange_delete(name)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--instances", type=int, default=4000)
    parser.add_argument("--results", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--ssh-latency", type=float, default=20.0)
    parser.add_argument("--hosts-at-once", type=int, default=8)
    args = parser.parse_args()
    print(f"load1 {os.getloadavg()[0]:.1f} at start")
    failures: list[str] = []
    sources_log = logging.getLogger("calipso.sources")
    sources_log.addHandler(_Failures(failures))
    sources_log.propagate = False
    spec = spec_from_flags(hosts=args.hosts, instances=args.instances, networks=40,
                           driver="ovs", seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        async with database_uri(Path(tmp)) as uri:
            client: AsyncMongoClient = AsyncMongoClient(uri, tz_aware=True)
            db = await fresh_database(client, "calipso_bench_monitoring")
            async with SimCloud(spec, env_name="benchmon",
                                ssh_latency_ms=args.ssh_latency) as sim:
                truth = sim.truth()
                env_name = "benchmon"
                await db.inventory.insert_many([o | {"environment": env_name}
                                                for o in truth["objects"]])
                await db.links.insert_many([k | {"environment": env_name} for k in truth["links"]])
                every = sensu_results(truth, executed=time.time())
                results = (every * (args.results // len(every) + 1))[:args.results]
                print(f"{len(truth['objects'])} objects, {len(every)} distinct checks, "
                      f"{len(results)} results")
                await raw_and_applier(db, env_name, results, args.batch)

                doc = sim.env_config() | {"enable_monitoring": True, "scanned": True}
                doc["configuration"] = [*doc["configuration"], {
                    "name": "Monitoring", "config_folder": tmp, "provision": "None",
                    "env_type": "testing", "api_port": 4567, "rabbitmq_pass": "x",
                    "rabbitmq_user": "x", "rabbitmq_port": 5672, "server_ip": "127.0.0.1",
                    "server_name": "sensu", "type": "Sensu", "results_token": TOKEN,
                    "listen_results": False}]
                env = EnvironmentConfig.model_validate(doc)
                await db.environments_config.insert_one(env.to_doc(reveal=True))
                checks = OwnChecks(db, SshPools(load_settings(), db),
                                   hosts_at_once=args.hosts_at_once)
                for attempt in ("first round (connects)", "second round"):
                    report = await checks.run_round(env)
                    if report.unreachable:
                        print(f"unreachable, e.g. {report.unreachable[0]}: {failures[:1]}")
                    bound = args.hosts / args.hosts_at_once * args.ssh_latency / 1000
                    print(f"own checks, {attempt}: {report.hosts} hosts, {report.probes} probes "
                          f"in {report.seconds:.2f} s, of which SSH {report.ssh_seconds:.2f} s "
                          f"(latency bound {bound:.2f} s), "
                          f"{len(report.unreachable)} unreachable, "
                          f"{report.applied.changed} changed")
                stop = asyncio.Event()
                ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
                settings = load_settings(mongo_uri=uri, db_name=db.name, api_bind="127.0.0.1:0",
                                         data_dir=Path(tmp) / "data", log_level="WARNING")
                service = asyncio.create_task(serve(
                    settings, stop=stop, on_ready=lambda ctx, port: ready.set_result(port)))
                port = await asyncio.wait_for(ready, 60)
                try:
                    await http(f"http://127.0.0.1:{port}", env_name, results[:args.results // 2],
                               args.clients)
                finally:
                    stop.set()
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(service, 30)
                await amqp(db, env_name, [dict(r, check=dict(r["check"])) for r in results])
            await client.drop_database(db.name)
            await client.close()
    print(f"load1 {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    asyncio.run(main())
