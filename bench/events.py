"""Benchmark: live events on a simulated cloud, with this machine's RabbitMQ.

    python bench/events.py                     # 20 hosts, OVS, SSH 20 ms, API 30 ms
    python bench/events.py --hosts 50 --rates 10,50 --boots 50

A cloud is simulated in this process (its channels share the loop and the cores with
Calipso), scanned once, and listened to. Then:

- **port creates, port renames** (database-only events): the listener stopped, ``--ports``
  unbound ports created (then renamed) and their notifications queued; the listener
  started again and timed until the queue is drained: notifications/s, with the time
  spent in database commands against one raw ``bulk_write`` of the same port documents
  (into a scratch collection with the inventory's indexes).
- **boots** at each of ``--rates`` boots/s: ``--boots`` instances booted at that pace;
  the lag from ``compute.instance.create.end``'s publication to inventory, links and
  cliques updated (p50/p95/p99), with the SSH commands and API calls each event cost.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import aio_pika
from harness import Timed, database_uri, fresh_database
from pymongo import AsyncMongoClient, UpdateOne, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from calipso.db import INDEXES
from calipso.env_config import EnvironmentConfig
from calipso.events.listener import PREFETCH, Listener
from calipso.events.metadata import EventRouting, load_events
from calipso.events.services import EventServices
from calipso.scanners.lifecycle import ScanOptions
from calipso.scanners.metadata_files import Metadata, load_metadata
from calipso.scanners.scan import run_scan
from calipso.settings import Settings, load_settings
from calipso.sim import spec_from_flags
from calipso.sim.model import Port
from calipso.sim.server import SimCloud
from calipso.sim.spec import TopologySpec
from calipso.sources import SshPools

URI = "amqp://guest:guest@127.0.0.1:5672/"
BOOT_END = "compute.instance.create.end"


class DatabaseTime(monitoring.CommandListener):
    """Seconds spent in database commands (as the driver times them), in all and by
    command and collection."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.commands = 0
        self.by_kind: collections.Counter[str] = collections.Counter()
        self._kinds: dict[int, str] = {}

    def reset(self) -> None:
        self.seconds, self.commands = 0.0, 0
        self.by_kind.clear()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        self._kinds[event.request_id] = (f"{event.command_name} {target}"
                                         if isinstance(target, str) else event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self.seconds += event.duration_micros / 1e6
        self.commands += 1
        self.by_kind[self._kinds.pop(event.request_id, "?")] += event.duration_micros / 1e6

    def split(self) -> str:
        """Seconds reading and writing (and the rest: revisions, derived state)."""
        reads = sum(s for k, s in self.by_kind.items()
                    if k.startswith(("find inventory", "find links", "find cliques")))
        writes = sum(s for k, s in self.by_kind.items() if k.startswith(
            ("insert inventory", "update inventory", "delete inventory", "insert links",
             "update links", "delete links", "insert cliques", "update cliques",
             "delete cliques")))
        return (f"reads {reads:.2f} s, writes {writes:.2f} s, other "
                f"{self.seconds - reads - writes:.2f} s")

    def top(self, n: int = 4) -> str:
        return ", ".join(f"{kind} {s:.2f} s" for kind, s in self.by_kind.most_common(n))

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self.seconds += event.duration_micros / 1e6


async def raw_bulk_write(db: AsyncDatabase, env: str, names: dict[str, str]) -> float:
    """Seconds of one ``bulk_write`` of the ports' documents, as stored, with ``names``
    (id → name), into a scratch collection holding the same documents and indexes."""
    scratch = db["bench_raw_ports"]
    await scratch.drop()
    await scratch.create_indexes(INDEXES["inventory"])
    docs = await db.inventory.find({"environment": env, "id": {"$in": list(names)}},
                                   {"_id": 0}).to_list(None)
    await scratch.insert_many([dict(d, name="before") for d in docs])
    ops = [UpdateOne({"environment": env, "id": d["id"]},
                     {"$set": dict(d, name=names[d["id"]])}, upsert=True) for d in docs]
    started = time.perf_counter()
    await scratch.bulk_write(ops, ordered=True)
    seconds = time.perf_counter() - started
    await scratch.drop()
    return seconds


async def drain(services: EventServices, env: EnvironmentConfig, routing: EventRouting,
                prefix: str, sim: SimCloud, dbtime: DatabaseTime,
                mutate: Callable[[], object], label: str) -> float:
    """The listener stopped, ``mutate()`` run and its notifications queued, then a listener
    started and timed until it has drained the queue; returns the database's seconds."""
    assert sim.amqp is not None
    published = sim.amqp.published
    mutate()
    await sim.amqp.flushed()
    queued = sim.amqp.published - published
    listener = Listener(services, env, routing, prefix=prefix)
    task = asyncio.create_task(listener.run())
    await listener.consuming.wait()  # connected: the drain is timed from here
    dbtime.reset()
    timed = Timed()
    await listener.wait_received(queued)
    print(f"{label}: {queued} notifications drained: {timed.rates(queued)} "
          f"({sum(listener.stats.applied.values())} applied, "
          f"{listener.stats.coalesced} together with another); database "
          f"{dbtime.seconds:.2f} s in {dbtime.commands} commands ({dbtime.top()}); "
          f"{where_time_goes(listener)}")
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return dbtime.seconds


async def settle(sim: SimCloud, listener: Listener, since: int) -> None:
    """Until the listener has handled what was published after ``since`` messages."""
    assert sim.amqp is not None
    await sim.amqp.flushed()
    await listener.wait_received(sim.amqp.published - since)


async def delete_queue(queue: str) -> None:
    """The listener's durable queue, its dead-letter queue and exchange: the bench's own."""
    connection = await aio_pika.connect(URI)
    async with connection:
        channel = await connection.channel()
        for name in (queue, f"{queue}.dead"):
            await channel.queue_delete(name)
        await channel.exchange_delete(f"{queue}.dead")


def where_time_goes(listener: Listener) -> str:
    """Milliseconds per run of the work (events applied together are one run), by phase."""
    work = listener.stats.work
    runs = max(work.get("runs", 0), 1)
    phases = ("load", "ports", "networks", "hosts", "links", "cliques", "agents")
    return f"{work.get('runs', 0)} runs, ms per run: " + ", ".join(
        f"{p} {work.get(f'{p}_ms', 0) / runs:.0f}" for p in phases if work.get(f"{p}_ms"))


def percentiles(listener: Listener, event_type: str) -> str:
    values = [listener.stats.lag_percentile(q, event_type) for q in (0.5, 0.95, 0.99)]
    return " / ".join("n/a" if v is None else f"{v * 1000:.0f}" for v in values)


async def boots(sim: SimCloud, listener: Listener, dbtime: DatabaseTime, rate: float,
                count: int, since: int, nets: list[str], project: str) -> None:
    """``count`` instances booted at ``rate`` per second; the lag of their create.end and
    where the time went."""
    listener.stats.lags.clear()
    listener.stats.work.clear()
    dbtime.reset()
    ssh0, api0 = sim.ssh.commands if sim.ssh else 0, sim.api.calls
    applied0 = sum(listener.stats.applied.values())
    timed = Timed()
    for i in range(count):
        sim.cloud.create_instance(f"bench-{rate}-{i}", project, [nets[i % len(nets)]])
        await asyncio.sleep(1 / rate)
    await settle(sim, listener, since)
    applied = sum(listener.stats.applied.values()) - applied0
    ssh = (sim.ssh.commands if sim.ssh else 0) - ssh0
    print(f"boots at {rate:g}/s: {count} boots, {applied} events applied in "
          f"{timed.wall:.1f} s; create.end lag p50/p95/p99 ms "
          f"{percentiles(listener, BOOT_END)}; per boot: {ssh / count:.1f} SSH commands, "
          f"{(sim.api.calls - api0) / count:.1f} API calls, "
          f"{dbtime.commands / count:.0f} database commands "
          f"({dbtime.seconds / count * 1000:.0f} ms: {dbtime.split()} in all), "
          f"{timed.cpu / count * 1000:.0f} ms CPU of this process (the simulator's "
          f"included); {where_time_goes(listener)}")


async def main(args: argparse.Namespace) -> None:
    settings = load_settings()
    metadata = await load_metadata(settings.config_dir)
    tag = uuid.uuid4().hex[:8]
    names = {"nova": f"bench-nova-{tag}", "neutron": f"bench-neutron-{tag}"}
    spec = spec_from_flags(hosts=args.hosts, instances=args.instances, networks=args.networks,
                           driver=args.driver, seed=1)
    print(f"load1 {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        async with database_uri(Path(tmp)) as uri:
            dbtime = DatabaseTime()
            client: AsyncMongoClient = AsyncMongoClient(uri, tz_aware=True,
                                                        event_listeners=[dbtime])
            db = await fresh_database(client, "calipso_bench_events")
            try:
                await run(args, settings, metadata, db, dbtime, spec, tag, names)
            finally:
                await client.drop_database(db.name)
                await client.close()
    print(f"load1 {os.getloadavg()[0]:.1f} at end")


async def run(args: argparse.Namespace, settings: Settings, metadata: Metadata,
              db: AsyncDatabase, dbtime: DatabaseTime, spec: TopologySpec, tag: str,
              names: dict[str, str]) -> None:
    async with SimCloud(spec, env_name="bench", amqp_uri=URI,
                        ssh_latency_ms=args.latency_ssh, api_latency_ms=args.latency_api,
                        amqp_options={"nova_exchange": names["nova"],
                                      "neutron_exchange": names["neutron"],
                                      "delete_exchanges": True}) as sim:
        env = EnvironmentConfig.model_validate(sim.env_config())
        started = time.perf_counter()
        await run_scan(db, settings, env, metadata, ScanOptions(), "bench")
        print(f"scan: {time.perf_counter() - started:.1f} s")
        routing = load_events(settings.config_dir).with_exchanges(names)
        # the SSH pools as ``calipso serve`` gives them
        services = EventServices(db, settings, metadata, SshPools(settings, db))
        prefix = f"bench-events-{tag}"
        cloud = sim.cloud
        project = next(p.id for p in cloud.projects.values() if p.name == "demo")
        nets = [n.id for n in cloud.networks.values() if not n.external and n.subnet_ids]
        # the queue and its bindings, declared by a listener that then stops
        listener = Listener(services, env, routing, prefix=prefix)
        task = asyncio.create_task(listener.run())
        await listener.consuming.wait()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        ports: list[Port] = []
        try:
            await drain(services, env, routing, prefix, sim, dbtime, lambda: ports.extend(
                cloud.create_port(nets[i % len(nets)], name=f"bench{i}")
                for i in range(args.ports)), "port creates")
            renamed = {p.id: f"renamed-{p.name}" for p in ports}
            spent = await drain(services, env, routing, prefix, sim, dbtime, lambda: [
                cloud.rename_port(i, name) for i, name in renamed.items()], "port renames")
            raw = await raw_bulk_write(db, env.name, renamed)
            print(f"one raw bulk_write of the {len(renamed)} renamed port documents: "
                  f"{raw:.3f} s; the renames' database time is {spent / raw:.2f}x that")
            listener = Listener(services, env, routing, prefix=prefix, prefetch=args.prefetch)
            since = sim.amqp.published if sim.amqp else 0
            task = asyncio.create_task(listener.run())
            await listener.consuming.wait()
            for rate in args.rates:
                await boots(sim, listener, dbtime, rate, args.boots, since, nets, project)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await delete_queue(f"{prefix}.{env.name}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--instances", type=int, default=40)
    parser.add_argument("--networks", type=int, default=4)
    parser.add_argument("--driver", default="ovs", choices=["ovs", "lxb", "vpp"])
    parser.add_argument("--latency-ssh", type=float, default=20)
    parser.add_argument("--latency-api", type=float, default=30)
    parser.add_argument("--ports", type=int, default=50)
    parser.add_argument("--boots", type=int, default=20)
    parser.add_argument("--prefetch", type=int, default=PREFETCH,
                        help="the boots' listener's prefetch (messages taken together)")
    parser.add_argument("--rates", type=lambda s: [float(r) for r in s.split(",") if r],
                        default=[10.0, 50.0])
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
