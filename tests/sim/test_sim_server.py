"""`SimCloud` and `calipso sim`: the environment document, the truth (object, file and
`GET /sim/truth`) kept current after changes, and the child-process form with SIGTERM."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import aio_pika
import aiohttp
import aiomysql
import asyncssh
import pytest
from test_sim_api import ApiClient

from calipso.env_config import EnvironmentConfig, OpenStackSection
from calipso.errors import ConfigError
from calipso.sim.server import SimCloud, SimProcess, schema_prefix
from calipso.sim.spec import spec_from_flags

MYSQL_URI = "mysql://root@127.0.0.1:3306"
AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"


async def test_truth_follows_changes_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "truth.json"
    spec = spec_from_flags(hosts=3, instances=2, networks=1, seed=2)
    async with SimCloud(spec, env_name="truthy", ssh=False, truth_path=path,
                        truth_debounce=0.01) as sim, aiohttp.ClientSession() as http:
        await sim.flush()
        assert json.loads(path.read_text()) == sim.truth()
        api = await ApiClient(sim, http).login()
        net = next(n.id for n in sim.cloud.networks.values() if not n.external)
        status, data = await api.call("POST", "nova", "/servers", {"server": {
            "name": "late", "flavorRef": "1", "networks": [{"uuid": net}]}})
        assert status == 202
        uuid = data["server"]["id"]
        assert uuid in {o["id"] for o in sim.truth()["objects"]}
        await sim.flush()
        on_disk = json.loads(path.read_text())
        assert uuid in {o["id"] for o in on_disk["objects"]}
        served = await api.get("keystone", "/sim/truth")
        assert served == on_disk == sim.truth()
        leftovers = await asyncio.to_thread(lambda: list(tmp_path.glob(".truth.json.*")))
        assert leftovers == []  # the temp files were renamed


@pytest.mark.parametrize("auth", ["password", "key"])
async def test_env_config_reaches_api_ssh_and_mysql(auth: str) -> None:
    spec = spec_from_flags(hosts=3, instances=2, seed=4)
    async with SimCloud(spec, env_name=f"full-{auth}", ssh_auth=auth,
                        mysql_uri=MYSQL_URI) as sim:
        doc = sim.env_config()
        env = EnvironmentConfig.model_validate(doc)
        assert [s.name for s in env.configuration] == ["OpenStack", "CLI", "mysql"]
        cli = env.cli
        assert (cli.key is not None) == (auth == "key") and cli.known_hosts
        login: dict[str, Any] = ({"client_keys": [cli.key]} if cli.key else
                                 {"password": cli.pwd.get_secret_value()})  # type: ignore[union-attr]
        async with asyncssh.connect(cli.host, cli.port, username=cli.user,
                                    known_hosts=cli.known_hosts, **login) as conn:
            answer = await conn.run("uname -n", check=True)
        master = next(h for h in sim.cloud.hosts.values() if "controller" in h.roles)
        assert answer.stdout == f"{master.name}\n"
        mysql = env.mysql
        assert mysql is not None and mysql.schema_ == "sim_full_" + auth + "_nova"
        conn_db = await aiomysql.connect(host=mysql.host, port=mysql.port, user=mysql.user,
                                         password=mysql.pwd.get_secret_value())
        try:
            async with conn_db.cursor() as cur:
                await cur.execute(f"SELECT COUNT(*) FROM `{mysql.schema_}`.instances "
                                  "WHERE deleted = 0")
                assert (await cur.fetchone())[0] == 2
        finally:
            conn_db.close()


async def test_env_config_points_at_the_apis() -> None:
    spec = spec_from_flags(hosts=2, instances=1, seed=4, driver="lxb", type_driver="vlan")
    async with SimCloud(spec, env_name="envdoc", ssh=False) as sim:
        doc = sim.env_config()
        assert sim.api is not None
        assert doc["name"] == "envdoc" and doc["distribution"] == "Devstack"
        assert doc["mechanism_drivers"] == ["LXB"] and doc["type_drivers"] == "vlan"
        section = OpenStackSection.model_validate(doc["configuration"][0])
        assert section.keystone_url == sim.api.urls["keystone"] + "/v3"
        assert section.pwd.get_secret_value() == "admin-secret"
        assert section.admin_project == "admin"


def test_bad_names() -> None:
    with pytest.raises(ConfigError):
        SimCloud(spec_from_flags(), env_name="no spaces")
    assert schema_prefix("lab-1.a") == "sim_lab_1_a_"


async def test_child_process_serves_until_sigterm(tmp_path: Path) -> None:
    args = ["--hosts", "3", "--instances", "3", "--networks", "2", "--driver", "vpp",
            "--seed", "9", "--env-name", "child"]
    async with SimProcess(args, tmp_path) as child, aiohttp.ClientSession() as http:
        openstack = child.env["configuration"][0]
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": openstack["user"], "domain": {"name": "Default"},
            "password": openstack["pwd"]}}}, "scope": {"project": {
                "name": openstack["admin_project"], "domain": {"name": "Default"}}}}}
        async with http.post(openstack["auth_url"] + "/auth/tokens", json=body) as resp:
            assert resp.status == 201
        truth = await child.truth()
        assert len([o for o in truth["objects"] if o["type"] == "instance"]) == 3
        assert child.env["mechanism_drivers"] == ["VPP"]
        EnvironmentConfig.model_validate(child.env)
    assert child.proc is not None and child.proc.returncode == 0


async def test_child_process_from_a_spec_file(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("seed: 2\nhosts: 2\ninstances: 1\nkeystone_versions: [v2.0]\n")
    async with SimProcess(["--spec", str(spec), "--no-ssh", "--env-name", "legacy"],
                          tmp_path) as child, aiohttp.ClientSession() as http:
        auth_url = child.env["configuration"][0]["auth_url"]
        assert auth_url.endswith("/v2.0")
        body = {"auth": {"passwordCredentials": {"username": "admin",
                                                 "password": "admin-secret"},
                         "tenantName": "admin"}}
        async with http.post(auth_url + "/tokens", json=body) as resp:
            assert resp.status == 200
        async with http.post(auth_url.replace("/v2.0", "/v3/auth/tokens"), json={}) as resp:
            assert resp.status == 404


async def test_child_process_refuses_spec_and_flags(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("hosts: 2\n")
    with pytest.raises(ConfigError, match="not both"):
        async with SimProcess(["--spec", str(spec), "--hosts", "3", "--no-ssh"], tmp_path):
            pass


async def test_amqp_section_and_a_boot_notified() -> None:
    tag = uuid.uuid4().hex[:8]
    options = {"nova_exchange": f"nova-{tag}", "neutron_exchange": f"neutron-{tag}",
               "delete_exchanges": True}
    spec = spec_from_flags(hosts=2, instances=1, seed=6)
    async with SimCloud(spec, env_name="notified", ssh=False, amqp_uri=AMQP_URI,
                        amqp_options=options) as sim, aiohttp.ClientSession() as http:
        doc = sim.env_config()
        assert doc["listen"] is True
        amqp = next(s for s in doc["configuration"] if s["name"] == "AMQP")
        assert (amqp["host"], amqp["port"], amqp["vhost"]) == ("127.0.0.1", 5672, "/")
        connection = await aio_pika.connect(AMQP_URI)
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(exclusive=True)
            await queue.bind(f"nova-{tag}", routing_key="notifications.info")
            api = await ApiClient(sim, http).login()
            net = next(n.id for n in sim.cloud.networks.values() if not n.external)
            status, _ = await api.call("POST", "nova", "/servers", {"server": {
                "name": "heard", "flavorRef": "1", "networks": [{"uuid": net}]}})
            assert status == 202
            await sim.amqp.flushed()
            seen = []
            async with asyncio.timeout(10):
                while "compute.instance.create.end" not in seen:
                    message = await queue.get(fail=False)
                    if message is None:
                        await asyncio.sleep(0.05)
                        continue
                    await message.ack()
                    body = json.loads(message.body)
                    seen.append(json.loads(body["oslo.message"])["event_type"])
            assert seen.index("compute.instance.create.start") < seen.index(
                "compute.instance.create.end")
