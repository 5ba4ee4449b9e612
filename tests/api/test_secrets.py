"""No secret of a stored environment (nor a user's password) appears in any answer or log."""

from __future__ import annotations

import asyncio
import logging

import pytest
from api_client import ADMIN_PASSWORD, ENV, SECRETS, Api, basic, env_config

pytestmark = pytest.mark.timeout(120)


def local_config() -> dict:
    """The known secrets, with targets on this machine that refuse them."""
    doc = env_config()
    doc["configuration"] = [
        {"name": "OpenStack", "host": "127.0.0.1", "port": 9, "user": "admin",
         "pwd": SECRETS["openstack"], "admin_token": SECRETS["admin_token"]},
        {"name": "mysql", "host": "127.0.0.1", "port": 3306, "user": "calipso_nobody",
         "pwd": SECRETS["mysql"]},
        {"name": "CLI", "host": "127.0.0.1", "port": 9, "user": "root", "pwd": SECRETS["cli"]},
        {"name": "AMQP", "host": "127.0.0.1", "port": 5672, "user": "guest",
         "pwd": SECRETS["amqp"]},
        {"name": "Monitoring", "config_folder": "/local_dir/sensu_config", "provision": "None",
         "env_type": "production", "api_port": 4567, "rabbitmq_pass": SECRETS["rabbitmq"],
         "rabbitmq_user": "sensu", "rabbitmq_port": 5672, "server_ip": "127.0.0.1",
         "server_name": "sensu", "type": "Sensu"},
    ]
    return doc


async def test_no_secret_in_any_answer_or_log_line(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    # as calipso.log.configure_logging does for every level: library chatter stays at
    # WARNING (pymongo's DEBUG command log echoes whole documents, by its design)
    for noisy in ("asyncssh", "aio_pika", "aiormq", "pymongo"):
        monkeypatch.setattr(logging.getLogger(noisy), "level", logging.WARNING)
    a = api.admin
    assert (await a.post("/environment_configs", local_config())).status == 201
    shown = await a.get("/environment_configs", name=ENV)
    await a.get("/environment_configs")
    body = {k: v for k, v in shown.body.items() if k not in ("_id", "id")}
    assert (await a.put(f"/environment_configs/{ENV}", body)).status == 200
    await a.get("/environment_configs", name=ENV)
    # invalid bodies echo nothing secret either
    bad = local_config()
    bad["configuration"][3]["port"] = "not-a-port"
    assert (await a.post("/environment_configs", bad)).status == 400
    bad = local_config()
    bad["configuration"][1]["pwd"] = {"nested": SECRETS["mysql"]}
    assert (await a.put(f"/environment_configs/{ENV}", bad)).status == 400
    # a connection test with the stored secrets (sent back masked) against refusing targets
    targets = ["OpenStack", "mysql", "CLI", "AMQP", "Monitoring"]
    test = await a.post("/connection_tests", {
        "environment": ENV, "test_targets": targets,
        "targets_configuration": body["configuration"]})
    assert test.status == 201
    for _ in range(200):
        done = await a.get("/connection_tests", env_name=ENV, id=test.body["id"])
        if done.body.get("status") == "response":
            break
        await asyncio.sleep(0.05)
    assert done.body["test_results"] == dict.fromkeys(targets, False), done.body
    await a.get("/connection_tests", env_name=ENV)
    await a.get("/openapi.json")
    await a.get("/docs")
    # failed and successful logins with a user's password
    await api.anonymous.as_(basic("admin", ADMIN_PASSWORD)).get("/clique_types")
    await api.anonymous.as_(basic("admin", SECRETS["cli"])).get("/clique_types")

    stored = await api.db.environments_config.find_one({"name": ENV})
    assert next(s for s in stored["configuration"] if s["name"] == "mysql")["pwd"] == \
        SECRETS["mysql"]  # the mask kept the stored secret

    answers = "\n".join(api.admin.seen)
    logs = caplog.text + "\n".join(str(vars(r)) for r in caplog.records)
    assert len(api.admin.seen) > 10 and len(caplog.records) > 10
    for secret in [*SECRETS.values(), ADMIN_PASSWORD]:
        assert secret not in answers, secret
        assert secret not in logs, secret
