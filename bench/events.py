"""Benchmark: live events on a simulated cloud, with this machine's RabbitMQ.

    python bench/events.py                     # 20 hosts, OVS, SSH 20 ms, API 30 ms
    python bench/events.py --hosts 50 --rates 10,50 --boots 50

A cloud is simulated in this process (its channels share the loop and the cores with
Calipso), scanned once, and listened to. Then:

- **port creates**: ``--ports`` unbound ports created back to back on the existing
  networks; the rate at which Calipso applies their notifications.
- **boots** at each of ``--rates`` boots/s: ``--boots`` instances booted at that pace;
  the lag from ``compute.instance.create.end``'s publication to inventory, links and
  cliques updated (p50/p95/p99), with the SSH commands and API calls each event cost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

import aio_pika
from pymongo import AsyncMongoClient

from calipso.db import ensure_indexes
from calipso.embedded_db import EmbeddedServer
from calipso.env_config import EnvironmentConfig
from calipso.events.listener import Listener
from calipso.events.metadata import load_events
from calipso.events.services import EventServices
from calipso.scanners.lifecycle import ScanOptions
from calipso.scanners.metadata_files import load_metadata
from calipso.scanners.scan import run_scan
from calipso.seed import load_seed
from calipso.settings import load_settings
from calipso.sim import spec_from_flags
from calipso.sim.server import SimCloud

URI = "amqp://guest:guest@127.0.0.1:5672/"
BOOT_END = "compute.instance.create.end"


async def settle(sim: SimCloud, listener: Listener) -> None:
    assert sim.amqp is not None
    await sim.amqp.flushed()
    await listener.wait_received(sim.amqp.published)


async def delete_queue(queue: str) -> None:
    """The listener's durable queue, its dead-letter queue and exchange: the bench's own."""
    connection = await aio_pika.connect(URI)
    async with connection:
        channel = await connection.channel()
        for name in (queue, f"{queue}.dead"):
            await channel.queue_delete(name)
        await channel.exchange_delete(f"{queue}.dead")


def where_time_goes(listener: Listener, applied: int) -> str:
    work = listener.stats.work
    phases = ("load", "networks", "hosts", "links", "cliques")
    return "ms per event: " + ", ".join(
        f"{p} {work.get(f'{p}_ms', 0) / max(applied, 1):.0f}" for p in phases)


def percentiles(listener: Listener, event_type: str) -> str:
    values = [listener.stats.lag_percentile(q, event_type) for q in (0.5, 0.95, 0.99)]
    return " / ".join("n/a" if v is None else f"{v * 1000:.0f}" for v in values)


async def main(args: argparse.Namespace) -> None:
    settings = load_settings()
    metadata = await load_metadata(settings.config_dir)
    tag = uuid.uuid4().hex[:8]
    names = {"nova": f"bench-nova-{tag}", "neutron": f"bench-neutron-{tag}"}
    spec = spec_from_flags(hosts=args.hosts, instances=args.instances, networks=args.networks,
                           driver=args.driver, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        server = None
        uri = os.environ.get("CALIPSO_MONGO_URI")
        if not uri:
            server = EmbeddedServer(Path(tmp) / "db")
            await server.start()
            uri = server.uri
        client: AsyncMongoClient = AsyncMongoClient(uri, tz_aware=True)
        db = client["calipso_bench_events"]
        await client.drop_database(db.name)
        await ensure_indexes(db)
        await load_seed(db)
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
            listener = Listener(EventServices(db, settings, metadata), env, routing,
                                prefix=f"bench-events-{tag}")
            task = asyncio.create_task(listener.run())
            await listener.consuming.wait()
            cloud = sim.cloud
            project = next(p.id for p in cloud.projects.values() if p.name == "demo")
            nets = [n.id for n in cloud.networks.values() if not n.external and n.subnet_ids]
            try:
                applied0 = sum(listener.stats.applied.values())
                listener.stats.work.clear()
                started = time.perf_counter()
                for i in range(args.ports):
                    cloud.create_port(nets[i % len(nets)], name=f"bench{i}")
                await settle(sim, listener)
                wall = time.perf_counter() - started
                applied = sum(listener.stats.applied.values()) - applied0
                print(f"port creates: {args.ports} ports, {applied} events applied in "
                      f"{wall:.1f} s: {applied / wall:.1f} events/s; lag p50/p95/p99 ms "
                      f"{percentiles(listener, 'port.create.end')}; "
                      f"{where_time_goes(listener, applied)}")
                for rate in args.rates:
                    listener.stats.lags.clear()
                    listener.stats.work.clear()
                    ssh0, api0 = sim.ssh.commands if sim.ssh else 0, sim.api.calls
                    applied0 = sum(listener.stats.applied.values())
                    started = time.perf_counter()
                    for i in range(args.boots):
                        cloud.create_instance(f"bench-{rate}-{i}", project, [nets[i % len(nets)]])
                        await asyncio.sleep(1 / rate)
                    await settle(sim, listener)
                    wall = time.perf_counter() - started
                    applied = sum(listener.stats.applied.values()) - applied0
                    ssh = (sim.ssh.commands if sim.ssh else 0) - ssh0
                    print(f"boots at {rate}/s: {args.boots} boots, {applied} events applied in "
                          f"{wall:.1f} s; create.end lag p50/p95/p99 ms "
                          f"{percentiles(listener, BOOT_END)}; per applied event: "
                          f"{ssh / applied:.0f} SSH commands, "
                          f"{(sim.api.calls - api0) / applied:.1f} API calls; "
                          f"{where_time_goes(listener, applied)}")
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await delete_queue(listener.queue)
        await client.drop_database(db.name)
        await client.close()
        if server is not None:
            await server.stop()


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
    parser.add_argument("--rates", type=lambda s: [float(r) for r in s.split(",")],
                        default=[10.0, 50.0])
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
