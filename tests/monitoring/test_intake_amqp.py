"""Sensu classic results on the environment's RabbitMQ: the simulator's Sensu results for
every monitored object and link become statuses; bad bodies go to the dead-letter queue
with a record."""

from __future__ import annotations

import asyncio
import uuid

import aio_pika
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from calipso.db import ensure_indexes
from calipso.env_config import MonitoringSection
from calipso.monitoring.amqp_intake import ResultsConsumer
from calipso.monitoring.intake import ResultIntake
from calipso.seed import load_seed
from calipso.sim import build_truth, generate, spec_from_flags
from calipso.sim.sensu import MONITORED, publish_sensu_results, sensu_results

pytestmark = pytest.mark.timeout(120)
URI = "amqp://guest:guest@127.0.0.1:5672/"
SECTION = MonitoringSection.model_validate({
    "name": "Monitoring", "config_folder": "/tmp/sensu", "provision": "None",
    "env_type": "testing", "api_port": 4567, "rabbitmq_pass": "guest",
    "rabbitmq_user": "guest", "rabbitmq_port": 5672, "server_ip": "127.0.0.1",
    "server_name": "sensu", "type": "Sensu", "rabbitmq_vhost": "/"})


async def _load_truth(db: AsyncDatabase, env: str) -> dict:
    await ensure_indexes(db)
    await load_seed(db)
    truth = build_truth(generate(spec_from_flags(hosts=4, instances=8, networks=2,
                                                 driver="ovs", seed=5)), env)
    await db.inventory.insert_many([o | {"environment": env} for o in truth["objects"]])
    await db.links.insert_many([k | {"environment": env} for k in truth["links"]])
    return truth


async def test_sensu_classic_results_over_amqp_set_every_status(db) -> None:
    tag = uuid.uuid4().hex[:8]
    env = f"amqp{tag}"
    truth = await _load_truth(db, env)
    vedge = next(o for o in truth["objects"] if o["type"] == "vedge")
    otep = max((o for o in truth["objects"] if o["type"] == "otep"),
               key=lambda o: len(o["ports"]))
    assert len(otep["ports"]) >= 2
    link = next(k for k in truth["links"] if k["link_type"] == "vnic-vconnector")
    link_key = (link["link_type"], link["source_id"], link["target_id"])
    statuses = {vedge["id"]: 2, link_key: 1, (otep["id"], otep["ports"][0]): 2}
    results = sensu_results(truth, executed=1.8e9, statuses=statuses)
    consumer = ResultsConsumer(ResultIntake(db), env, SECTION, prefix=f"t-mon-{tag}",
                               exchange=f"t-results-{tag}")
    task = asyncio.create_task(consumer.run())
    try:
        await asyncio.wait_for(consumer.consuming.wait(), 20)
        await publish_sensu_results(URI, results, exchange=f"t-results-{tag}")
        connection = await aio_pika.connect(URI)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.get_exchange(f"t-results-{tag}")
            for body in (b"not json", b'{"client": "h", "check": {"status": 0}}'):
                await exchange.publish(aio_pika.Message(body), routing_key="")
        async with asyncio.timeout(60):
            while consumer.stats.received < len(results) + 2:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        assert consumer.stats.dead_lettered == 2
        async with await aio_pika.connect(URI) as connection:
            channel = await connection.channel()
            dead = await channel.declare_queue(f"{consumer.queue}.dead", passive=True)
            assert dead.declaration_result.message_count == 2
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        async with await aio_pika.connect(URI) as connection:
            channel = await connection.channel()
            for name in (consumer.queue, f"{consumer.queue}.dead"):
                await channel.queue_delete(name)
            for name in (f"{consumer.queue}.dead", f"t-results-{tag}"):
                await channel.exchange_delete(name)
    monitored = [o for o in truth["objects"] if o["type"] in (*MONITORED, "otep")]
    stored = {d["id"]: d async for d in db.inventory.find(
        {"environment": env, "status_value": {"$exists": True}})}
    assert {o["id"] for o in monitored} <= set(stored)
    assert stored[vedge["id"]]["status"] == "Error"
    assert stored[otep["id"]]["status"] == "Warning"  # one tunnel port of two down
    assert sum(d["status"] != "OK" for d in stored.values()) == 2
    got = await db.links.find_one({"environment": env, "link_type": link_key[0],
                                   "source_id": link_key[1], "target_id": link_key[2]})
    assert got["status"] == "Warning"
    assert await db.messages.count_documents(
        {"environment": env, "message": {"$regex": "^check result rejected"}}) == 2
