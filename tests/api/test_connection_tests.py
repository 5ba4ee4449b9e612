"""``/connection_tests`` really log in: the machine's RabbitMQ and MariaDB, an asyncssh server
and a Keystone-shaped HTTP server started here, each on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import asyncssh
import pytest
from aiohttp import web
from api_client import ADMIN_PASSWORD, ENV, Api, Client, env_config
from pymongo import AsyncMongoClient

from calipso.api.connection_tests import ConnectionTester
from calipso.embedded_db import EmbeddedServer
from calipso.settings import Settings

pytestmark = pytest.mark.timeout(120)

SSH_PASSWORD = "ssh-login-pw-31"
KEYSTONE_PASSWORD = "keystone-pw-77"


class _SshServer(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == "calipso" and password == SSH_PASSWORD


@contextlib.asynccontextmanager
async def ssh_server() -> AsyncIterator[int]:
    key = asyncssh.generate_private_key("ssh-ed25519")
    server = await asyncssh.create_server(_SshServer, "127.0.0.1", 0, server_host_keys=[key])
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@contextlib.asynccontextmanager
async def keystone() -> AsyncIterator[int]:
    async def tokens(request: web.Request) -> web.Response:
        body = await request.json()
        user = body["auth"]["identity"]["password"]["user"]
        if user["name"] == "admin" and user["password"] == KEYSTONE_PASSWORD:
            return web.json_response({"token": {}}, status=201,
                                     headers={"X-Subject-Token": "t"})
        return web.json_response({"error": {"code": 401}}, status=401)

    app = web.Application()
    app.router.add_post("/v3/auth/tokens", tokens)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def silent_port() -> AsyncIterator[int]:
    """Accepts connections and never says a word."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()


def sections(ssh_port: int, keystone_port: int, *, amqp_pwd: str = "guest",
             mysql_pwd: str = "", ssh_pwd: str = SSH_PASSWORD,
             keystone_pwd: str = KEYSTONE_PASSWORD) -> list[dict]:
    return [
        {"name": "OpenStack", "host": "127.0.0.1", "port": keystone_port, "user": "admin",
         "pwd": keystone_pwd},
        {"name": "mysql", "host": "127.0.0.1", "port": 3306, "user": "root",
         "pwd": mysql_pwd},
        {"name": "CLI", "host": "127.0.0.1", "port": ssh_port, "user": "calipso",
         "pwd": ssh_pwd},
        {"name": "AMQP", "host": "127.0.0.1", "port": 5672, "user": "guest", "pwd": amqp_pwd},
    ]


TARGETS = ["OpenStack", "mysql", "CLI", "AMQP"]


async def wait_done(client: Client, ident: str, env: str = ENV) -> dict:
    for _ in range(200):
        answer = await client.get("/connection_tests", env_name=env, id=ident)
        if answer.body.get("status") == "response":
            return answer.body
        await asyncio.sleep(0.05)
    raise AssertionError("the connection test did not finish")


async def test_every_target_logs_in(api: Api) -> None:
    async with ssh_server() as ssh_port, keystone() as ks_port:
        created = await api.admin.post("/connection_tests", {
            "environment": ENV, "test_targets": TARGETS,
            "targets_configuration": sections(ssh_port, ks_port)})
        assert created.status == 201
        assert created.body["message"] == f"created new connection test for environment {ENV}"
        done = await wait_done(api.admin, created.body["id"])
    assert done["test_results"] == dict.fromkeys(TARGETS, True), done["test_details"]
    for target in TARGETS:
        assert done["test_details"][target]["duration_ms"] > 0
    assert done["last_response_message"] == "all targets answered"
    assert done["response_time"] > 0
    # the secrets were needed only while testing
    stored = await api.db.connection_tests.find_one({})
    assert all(s.get("pwd") in ("********", None) for s in stored["targets_configuration"])
    listed = await api.admin.get("/connection_tests", env_name=ENV, test_targets="CLI")
    assert listed.body["connection_tests"] == [{
        "id": created.body["id"], "test_targets": TARGETS,
        "test_results": dict.fromkeys(TARGETS, True)}]


async def test_wrong_passwords_fail_without_showing_them(api: Api) -> None:
    async with ssh_server() as ssh_port, keystone() as ks_port:
        created = await api.admin.post("/connection_tests", {
            "environment": ENV, "test_targets": TARGETS,
            "targets_configuration": sections(
                ssh_port, ks_port, amqp_pwd="amqp-wrong-9", mysql_pwd="mysql-wrong-9",
                ssh_pwd="ssh-wrong-9", keystone_pwd="ks-wrong-9")})
        done = await wait_done(api.admin, created.body["id"])
    assert done["test_results"] == dict.fromkeys(TARGETS, False)
    assert done["last_response_message"] == "failed: OpenStack, mysql, CLI, AMQP"
    assert "401" in done["test_details"]["OpenStack"]["message"]
    text = str(done)
    for secret in ("amqp-wrong-9", "mysql-wrong-9", "ssh-wrong-9", "ks-wrong-9"):
        assert secret not in text
    only_failed = await api.admin.get("/connection_tests", env_name=ENV,
                                      id=created.body["id"], test_results="false",
                                      test_targets="AMQP")
    assert only_failed.body["test_targets"] == ["AMQP"]
    assert [s["name"] for s in only_failed.body["targets_configuration"]] == ["AMQP"]


async def test_a_silent_target_times_out(start_service) -> None:
    async with start_service(CALIPSO_ADMIN_PASSWORD=ADMIN_PASSWORD,
                             CALIPSO_CONNECTION_TEST_TIMEOUT="0.5") as svc, \
            aiohttp.ClientSession() as http, silent_port() as port:
        client = Client(http, svc.url, {}, [])
        token = (await client.post("/auth/tokens", {"auth": {
            "methods": ["credentials"],
            "credentials": {"username": "admin", "password": ADMIN_PASSWORD}}})).body["token"]
        client = client.as_({"X-Auth-Token": token})
        created = await client.post("/connection_tests", {
            "environment": "Lab", "test_targets": ["CLI"],
            "targets_configuration": [{"name": "CLI", "host": "127.0.0.1", "port": port,
                                       "user": "u", "pwd": "p"}]})
        done = await wait_done(client, created.body["id"], "Lab")
    assert done["test_results"] == {"CLI": False}
    assert done["test_details"]["CLI"]["message"] == "no answer within 0.5 s"
    assert done["test_details"]["CLI"]["duration_ms"] < 2000


async def test_a_target_without_its_section_fails_with_that_reason(api: Api) -> None:
    created = await api.admin.post("/connection_tests", {
        "environment": "Lab", "test_targets": ["CLI", "AMQP"],
        "targets_configuration": [{"name": "AMQP", "host": "127.0.0.1", "port": 5672,
                                   "user": "guest", "pwd": "guest"}]})
    assert created.status == 201, created.body
    done = await wait_done(api.admin, created.body["id"], "Lab")
    assert done["test_results"] == {"CLI": False, "AMQP": True}
    assert done["test_details"]["CLI"]["message"] == "no CLI section was given"


async def test_masked_secrets_are_the_stored_environments(api: Api) -> None:
    async with keystone() as ks_port:
        await api.add_env(configuration=[
            {"name": "OpenStack", "host": "127.0.0.1", "port": ks_port, "user": "admin",
             "pwd": KEYSTONE_PASSWORD},
            {"name": "CLI", "host": "127.0.0.1", "user": "root", "pwd": "x"},
            {"name": "AMQP", "host": "127.0.0.1", "user": "guest", "pwd": "guest"}])
        shown = (await api.admin.get("/environment_configs", name=ENV)).body
        openstack = next(s for s in shown["configuration"] if s["name"] == "OpenStack")
        assert openstack["pwd"] == "********"
        created = await api.admin.post("/connection_tests", {
            "environment": ENV, "test_targets": ["OpenStack"],
            "targets_configuration": [openstack]})
        assert created.status == 201
        done = await wait_done(api.admin, created.body["id"])
    assert done["test_results"] == {"OpenStack": True}


@pytest.mark.parametrize(("body", "field"), [
    ({"test_targets": ["AMQP"], "targets_configuration": []}, "environment"),
    ({"environment": "Lab", "targets_configuration": []}, "test_targets"),
    ({"environment": "Lab", "test_targets": ["Telepathy"],
      "targets_configuration": [{"name": "AMQP", "host": "h", "user": "u", "pwd": "p"}]},
     "test_targets"),
    ({"environment": "Lab", "test_targets": ["AMQP"],
      "targets_configuration": [{"name": "AMQP", "host": "h", "user": "u"}]},
     "targets_configuration.0.AMQP.pwd"),
    ({"environment": "Lab", "test_targets": ["AMQP"],
      "targets_configuration": [{"name": "AMQP", "host": "h", "user": "u",
                                 "pwd": "********"}]},
     "targets_configuration.0.pwd"),
])
async def test_invalid_connection_tests_are_400(api: Api, body: dict, field: str) -> None:
    answer = await api.admin.post("/connection_tests", body)
    assert answer.status == 400, answer.body
    assert answer.body["error"]["field"].startswith(field), answer.body


async def test_connection_test_queries(api: Api) -> None:
    a = api.admin
    assert (await a.get("/connection_tests")).body["error"]["field"] == "env_name"
    assert (await a.get("/connection_tests", env_name="Nowhere")).status == 404
    assert (await a.get("/connection_tests", env_name=ENV, status="x")).status == 400
    await api.add_env()
    assert (await a.get("/connection_tests", env_name=ENV, id="c" * 24)).status == 404
    viewer = await api.viewer()
    forbidden = await viewer.post("/connection_tests", {
        "environment": ENV, "test_targets": ["AMQP"],
        "targets_configuration": env_config()["configuration"]})
    assert forbidden.status == 403


async def test_a_test_cut_by_a_stop_runs_at_the_next_start(start_service, db) -> None:
    async def login(client: Client) -> Client:
        token = (await client.post("/auth/tokens", {"auth": {
            "methods": ["credentials"],
            "credentials": {"username": "admin", "password": ADMIN_PASSWORD}}})).body["token"]
        return client.as_({"X-Auth-Token": token})

    async with silent_port() as port, aiohttp.ClientSession() as http:
        async with start_service(CALIPSO_ADMIN_PASSWORD=ADMIN_PASSWORD,
                                 CALIPSO_CONNECTION_TEST_TIMEOUT="60") as svc:
            client = await login(Client(http, svc.url, {}, []))
            created = await client.post("/connection_tests", {
                "environment": "Lab", "test_targets": ["CLI"],
                "targets_configuration": [{"name": "CLI", "host": "127.0.0.1", "port": port,
                                           "user": "u", "pwd": "p"}]})
            for _ in range(100):
                stored = await db.connection_tests.find_one({})
                if stored["status"] == "running":
                    break
                await asyncio.sleep(0.05)
            assert stored["status"] == "running"
        assert (await db.connection_tests.find_one({}))["status"] == "request"
        async with start_service(CALIPSO_ADMIN_PASSWORD=ADMIN_PASSWORD,
                                 CALIPSO_CONNECTION_TEST_TIMEOUT="0.5") as svc:
            client = await login(Client(http, svc.url, {}, []))
            done = await wait_done(client, created.body["id"], "Lab")
    assert done["test_results"] == {"CLI": False}


async def test_left_over_tests_wait_for_a_database_that_comes_up_late(tmp_path) -> None:
    """A tester started while the database is down keeps trying, then runs what was left."""
    server = EmbeddedServer(tmp_path)
    await server.start()
    client: AsyncMongoClient = AsyncMongoClient(server.uri, serverSelectionTimeoutMS=300)
    runner: asyncio.Task | None = None
    try:
        tests = client.late.connection_tests
        left = await tests.insert_one({
            "environment": "Lab", "status": "request", "test_targets": ["AMQP"],
            "targets_configuration": [{"name": "AMQP", "host": "127.0.0.1", "port": 5672,
                                       "user": "guest", "pwd": "guest"}]})
        await server.stop()
        tester = ConnectionTester(client.late, Settings(connection_test_timeout=5))
        runner = asyncio.create_task(tester.run())
        await asyncio.sleep(1.5)  # several attempts against a closed port
        assert not runner.done(), "the tester died of a database that did not answer"
        await server.start()  # same port, same storage
        for _ in range(100):
            doc = await tests.find_one({"_id": left.inserted_id})
            if doc["status"] == "response":
                break
            await asyncio.sleep(0.1)
        assert doc["status"] == "response" and doc["test_results"] == {"AMQP": True}
    finally:
        if runner is not None:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
        await client.close()
        await server.stop()
