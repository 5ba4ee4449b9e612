"""RabbitMQ restarted (``rabbitmqctl stop_app`` / ``start_app``) in the middle of a stream
of port updates: none lost, none applied twice, on a RabbitMQ node of the test's own.

The simulator publishes as oslo.messaging does (reconnects, declares its exchanges again,
retries what was not confirmed) and, here, retries a message no queue took: after the
restart the exchanges come back without Calipso's bindings until the listener binds
again, and a real cloud loses what it publishes meanwhile (the reconciliation finds it;
calipso/events/README.md, "Guarantees").
"""

from __future__ import annotations

import asyncio
import os
import time

import aio_pika
import pytest
from event_rig import event_rig, truth_differences, until
from own_broker import OwnBroker
from pymongo.asynchronous.database import AsyncDatabase

from calipso.events.manager import EventManager
from calipso.scanners.metadata_files import Metadata
from calipso.sim import spec_from_flags

# port renames applied (each is two notifications, update.start and update.end): 1,000
# in the suite, as the database-only path applies some 40/s on a loaded test machine;
# CALIPSO_TEST_EVENT_RESTART_UPDATES=10000 for the stream
UPDATES = int(os.environ.get("CALIPSO_TEST_EVENT_RESTART_UPDATES", "1000"))
PORTS = 100  # renamed in turn: two renames of one port are further apart than a window
LEAD = 200  # renames made ahead of those applied, while the broker is there


async def ready_messages(broker: OwnBroker, queue: str) -> int:
    connection = await aio_pika.connect(broker.uri)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return declared.declaration_result.message_count or 0


@pytest.mark.timeout(max(300, UPDATES // 20))
async def test_a_broker_restart_loses_no_event_and_applies_none_twice(
        db: AsyncDatabase, metadata: Metadata, own_rabbitmq: OwnBroker) -> None:
    spec = spec_from_flags(hosts=2, instances=1, networks=1, driver="ovs", seed=91)
    stop = asyncio.Event()
    async with event_rig(db, spec, metadata, listen=False, amqp_uri=own_rabbitmq.uri,
                         retry_unroutable=True) as rig:
        name = rig.env.name
        await db.environments_config.insert_one(
            rig.sim.env_config() | {"scanned": True, "listen": True})
        manager = EventManager(rig.services, rig.routing, interval=0.1,
                               prefix=f"t-rs-{rig.tag}", first_backoff=0.2, max_backoff=1)
        task = asyncio.create_task(manager.run(stop))
        try:
            await until(lambda: manager.status().get(name, {}).get(
                "operational") == "running", seconds=30)
            state = manager.listeners[name]
            applied = state.stats.applied
            cloud = rig.sim.cloud
            net = next(n.id for n in cloud.networks.values() if n.subnet_ids)
            ports = [cloud.create_port(net, name=f"p{i}").id for i in range(PORTS)]
            await until(lambda: applied["port.create.end"] == PORTS, seconds=60)

            seen: list[tuple[str, str | None]] = []  # what /health said during the run

            away = asyncio.Event()  # the broker stopped or starting: the stream goes on

            async def restart() -> None:
                await until(lambda: applied["port.update.end"] >= UPDATES // 3, 120)
                away.set()
                await own_rabbitmq.ctl("stop_app")
                await asyncio.sleep(1)
                await own_rabbitmq.ctl("start_app")
                away.clear()

            async def watch() -> None:
                while True:
                    doc = manager.status()[name]
                    if not seen or seen[-1] != (doc["operational"], doc["reason"]):
                        seen.append((doc["operational"], doc["reason"]))
                    await asyncio.sleep(0.05)

            restarting = asyncio.create_task(restart())
            watching = asyncio.create_task(watch())
            started = time.monotonic()
            for i in range(UPDATES):
                cloud.rename_port(ports[i % PORTS], f"p{i % PORTS}-{i}")
                if i % 50 == 49:  # the simulator publishes as it goes, at the listener's pace
                    await until(lambda i=i: away.is_set() or  # type: ignore[misc]
                                applied["port.update.end"] >= i - LEAD, 120)
            await restarting
            try:
                await until(lambda: applied["port.update.end"] >= UPDATES,
                            seconds=max(120, UPDATES / 20))
            except TimeoutError:
                raise AssertionError(f"not all applied: {manager.status()[name]}, "
                                     f"/health went {seen}") from None
            # every copy still queued is consumed (a duplicate comes after its original)
            async with asyncio.timeout(60):
                while True:
                    received = state.stats.received
                    await asyncio.sleep(1)
                    if received == state.stats.received and not await ready_messages(
                            own_rabbitmq, f"t-rs-{rig.tag}.{name}"):
                        break
            took = time.monotonic() - started
            watching.cancel()

            doc = manager.status()[name]
            print(f"\n{UPDATES} updates ({2 * UPDATES} notifications) through a restart in "
                  f"{took:.1f} s: duplicates skipped {doc['duplicates']}, "
                  f"restarts {doc['restarts']}, /health went {seen}")
            # each applied exactly once: a copy applied again would count twice
            assert applied["port.update.end"] == UPDATES
            assert applied["port.create.end"] == PORTS
            assert doc["dead_lettered"] == 0
            assert await db.events_applied.count_documents(
                {"environment": name}) == UPDATES + PORTS
            # /health said what happened: the broker went, then the listener ran again
            assert any(status == "error" and "broker closed" in (reason or "")
                       for status, reason in seen), seen
            assert seen[-1] == ("running", None) and doc["restarts"] >= 1
            # the inventory holds what was sent last, as the simulator has it
            stored = {d["id"]: d["name"] async for d in db.inventory.find(
                {"environment": name, "type": "port", "id": {"$in": ports}})}
            assert stored == {p: cloud.ports[p].name for p in ports}
            assert await truth_differences(rig) == []
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)
