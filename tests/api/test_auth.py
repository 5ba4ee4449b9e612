"""Authentication and roles: tokens, Basic, users, the first admin, slowed failures."""

from __future__ import annotations

import asyncio
import logging
import stat
import time
from pathlib import Path

import aiohttp
import pytest
from api_client import ADMIN_PASSWORD, ENV, Api, Client, basic

pytestmark = pytest.mark.timeout(120)


def creds(user: str, password: str) -> dict:
    return {"auth": {"methods": ["credentials"],
                     "credentials": {"username": user, "password": password}}}


async def test_token_from_credentials_has_the_original_shape(api: Api) -> None:
    answer = await api.anonymous.post("/auth/tokens", creds("admin", ADMIN_PASSWORD))
    assert answer.status == 201
    body = answer.body
    assert len(body["token"]) == 32
    assert body["method"] == "credentials"
    assert body["user"] == "admin" and body["role"] == "admin"
    assert body["issued_at"] < body["expires_at"]
    assert len(body["_id"]) == 24
    # stored as a digest only: the token itself is not in the database
    stored = await api.db.api_tokens.find_one({"user": "admin"})
    assert stored["token"] != body["token"]


async def test_token_from_a_token_and_revoking_it(api: Api) -> None:
    first = await api.anonymous.post("/auth/tokens", creds("admin", ADMIN_PASSWORD))
    second = await api.anonymous.post("/auth/tokens", {"auth": {
        "methods": ["token"], "token": first.body["token"]}})
    assert second.status == 201 and second.body["method"] == "token"
    holder = api.anonymous.as_({"X-Auth-Token": second.body["token"]})
    assert (await holder.get("/clique_types")).status == 200
    assert (await holder.delete("/auth/tokens")).status == 200
    again = await holder.get("/clique_types")
    assert again.status == 401
    assert (await holder.delete("/auth/tokens")).status == 401
    unknown = await api.anonymous.post("/auth/tokens", {"auth": {
        "methods": ["token"], "token": "0" * 32}})
    assert unknown.status == 401


@pytest.mark.parametrize(("body", "field"), [
    ({}, "auth"),
    ({"auth": {}}, "auth.methods"),
    ({"auth": {"methods": []}}, "auth.methods"),
    ({"auth": {"methods": ["password"]}}, "auth.methods.0"),
    ({"auth": {"methods": ["credentials"]}}, "auth"),
    ({"auth": {"methods": ["credentials"], "credentials": {"username": "admin"}}},
     "auth.credentials.password"),
    ({"auth": {"methods": ["credentials"], "credentials": {"username": "a", "password": "b"},
               "extra": 1}}, "auth.extra"),
    ({"auth": {"methods": ["token"], "credentials": {"username": "a", "password": "b"}}},
     "auth.methods"),
])
async def test_token_request_bodies_are_validated(api: Api, body: dict, field: str) -> None:
    answer = await api.anonymous.post("/auth/tokens", body)
    assert answer.status == 400
    assert answer.body["error"]["field"] == field


async def test_malformed_bodies_are_400(api: Api) -> None:
    for raw in (b"", b"{not json", b"[1, 2]"):
        answer = await api.anonymous.call("POST", "/auth/tokens", raw=raw,
                                          headers={"Content-Type": "application/json"})
        assert answer.status == 400
        assert answer.body["error"]["field"] == "body"


async def test_no_credentials_is_401_with_a_basic_challenge(api: Api) -> None:
    answer = await api.anonymous.get("/clique_types")
    assert answer.status == 401
    assert answer.body["error"]["message"] == "Authentication required"
    assert answer.headers["WWW-Authenticate"].startswith("Basic")
    bad_token = await api.anonymous.as_({"X-Auth-Token": "nope"}).get("/clique_types")
    assert bad_token.status == 401
    garbled = await api.anonymous.as_({"Authorization": "Basic %%%"}).get("/clique_types")
    assert garbled.status == 401
    # /health and unknown paths need nothing
    assert (await api.anonymous.get("/health")).status == 200
    assert (await api.anonymous.get("/nothing/here")).status == 404


async def test_basic_auth_works_and_a_wrong_password_is_401(api: Api) -> None:
    ok = await api.anonymous.as_(basic("admin", ADMIN_PASSWORD)).get("/clique_types")
    assert ok.status == 200
    wrong = await api.anonymous.as_(basic("admin", "wrong")).get("/clique_types")
    assert wrong.status == 401
    nobody = await api.anonymous.as_(basic("nobody", "x")).get("/clique_types")
    assert nobody.status == 401


async def test_failed_logins_are_slowed_down_more_each_time(api: Api) -> None:
    took = []
    for _ in range(4):
        started = time.perf_counter()
        answer = await api.anonymous.post("/auth/tokens", creds("admin", "not-it"))
        took.append(time.perf_counter() - started)
        assert answer.status == 401
    # the delay base is 0.05 s in these tests: 0.05, 0.1, 0.2, 0.4
    assert took[3] >= 0.4
    assert took[3] > took[0]
    ok = await api.anonymous.post("/auth/tokens", creds("admin", ADMIN_PASSWORD))
    assert ok.status == 201


async def test_a_viewer_reads_but_may_not_write(api: Api) -> None:
    viewer = await api.viewer()
    assert (await viewer.get("/clique_types")).status == 200
    for method, path, body in (
        ("POST", "/scans", {"environment": ENV, "status": "pending"}),
        ("POST", "/environment_configs", {}),
        ("POST", "/clique_types", {}),
        ("DELETE", "/clique_types/" + "a" * 24, None),
        ("GET", "/users", None),
        ("POST", "/users", {"name": "x", "password": "12345678"}),
    ):
        answer = await viewer.call(method, path, json_body=body)
        assert answer.status == 403, (method, path)
        assert "admin role" in answer.body["error"]["message"]


async def test_users_are_managed_by_an_admin(api: Api) -> None:
    admin = api.admin
    created = await admin.post("/users", {"name": "olga", "password": "olga-pw-1234",
                                          "role": "admin"})
    assert created.status == 201
    dup = await admin.post("/users", {"name": "olga", "password": "olga-pw-1234"})
    assert dup.status == 409 and dup.body["error"]["field"] == "name"
    short = await admin.post("/users", {"name": "p", "password": "short"})
    assert short.status == 400 and short.body["error"]["field"] == "password"
    bad_name = await admin.post("/users", {"name": "a b", "password": "long-enough"})
    assert bad_name.status == 400 and bad_name.body["error"]["field"] == "name"
    listed = await admin.get("/users")
    assert {u["name"] for u in listed.body["users"]} == {"admin", "olga"}
    assert all("password_hash" not in u for u in listed.body["users"])
    olga = await api.login("olga", "olga-pw-1234")
    assert (await olga.get("/users", role="admin")).body["total"] == 2
    assert (await olga.delete("/users/olga")).status == 409  # not oneself
    assert (await olga.put("/users/olga", {"role": "viewer"})).status == 409
    # a role change revokes nothing silently: her tokens are dropped
    assert (await admin.put("/users/olga", {"role": "viewer"})).status == 200
    assert (await olga.get("/clique_types")).status == 401
    olga = await api.login("olga", "olga-pw-1234")
    assert (await olga.get("/users")).status == 403
    # a user changes their own password (their other sessions end) but not their role
    other_session = await api.login("olga", "olga-pw-1234")
    assert (await olga.put("/users/olga", {"password": "new-olga-pw"})).status == 200
    assert (await olga.get("/clique_types")).status == 200
    assert (await other_session.get("/clique_types")).status == 401
    assert (await olga.put("/users/olga", {"role": "admin"})).status == 403
    assert (await olga.put("/users/admin", {"password": "hijack-pw"})).status == 403
    assert (await admin.put("/users/nobody", {"role": "viewer"})).status == 404
    assert (await admin.put("/users/olga", {})).status == 400
    assert (await admin.put("/users/admin", {"role": "viewer"})).status == 409
    assert (await admin.delete("/users/admin")).status == 409
    assert (await admin.delete("/users/olga")).status == 200
    assert (await admin.delete("/users/olga")).status == 404
    assert (await olga.get("/clique_types")).status == 401


async def test_an_expired_token_is_refused(start_service) -> None:
    async with start_service(CALIPSO_ADMIN_PASSWORD=ADMIN_PASSWORD, CALIPSO_TOKEN_LIFETIME="1",
                             CALIPSO_AUTH_CACHE_SECONDS="0") as svc, \
            aiohttp.ClientSession() as http:
        client = Client(http, svc.url, {}, [])
        token = (await client.post("/auth/tokens", creds("admin", ADMIN_PASSWORD))).body
        holder = client.as_({"X-Auth-Token": token["token"]})
        assert (await holder.get("/clique_types")).status == 200
        await asyncio.sleep(1.2)
        assert (await holder.get("/clique_types")).status == 401


async def test_a_generated_admin_password_is_written_0600_and_named_in_the_log(
    start_service, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "state"
    caplog.set_level(logging.INFO)
    async with start_service(CALIPSO_DATA_DIR=str(data_dir)) as svc, \
            aiohttp.ClientSession() as http:
        path = data_dir / "admin-password"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        password = path.read_text().strip()
        assert len(password) >= 20
        client = Client(http, svc.url, {}, [])
        assert (await client.post("/auth/tokens", creds("admin", password))).status == 201
    record = next(r for r in caplog.records if "generated password" in r.getMessage())
    assert record.path == str(path)
    assert all(password not in r.getMessage() and password not in str(vars(r))
               for r in caplog.records)


async def test_admin_password_setting_resets_the_stored_one(start_service, db) -> None:
    async with start_service(CALIPSO_ADMIN_PASSWORD="first-password"):
        pass
    async with start_service(CALIPSO_ADMIN_PASSWORD="second-password") as svc, \
            aiohttp.ClientSession() as http:
        client = Client(http, svc.url, {}, [])
        assert (await client.post("/auth/tokens", creds("admin", "first-password"))
                ).status == 401
        assert (await client.post("/auth/tokens", creds("admin", "second-password"))
                ).status == 201


async def test_auth_none_lets_everyone_in_and_says_so(
    start_service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with start_service(CALIPSO_AUTH="none") as svc, aiohttp.ClientSession() as http:
        client = Client(http, svc.url, {}, [])
        assert (await client.get("/clique_types")).status == 200
        assert (await client.get("/users")).status == 200
    assert any("authentication is off" in r.getMessage() for r in caplog.records)


async def test_an_unwritable_data_dir_for_the_admin_password_is_one_clear_error(
    start_service, tmp_path: Path
) -> None:
    from calipso.errors import ConfigError

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match=r"CALIPSO_DATA_DIR: cannot write .* admin password"):
        async with start_service(CALIPSO_DATA_DIR=str(blocker / "data")):
            pass


async def test_every_admin_operation_is_403_for_a_viewer(api: Api) -> None:
    doc = (await api.admin.get("/openapi.json")).body
    viewer = await api.viewer()
    checked = 0
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            if "Needs the admin role" not in op.get("description", ""):
                continue
            concrete = path.replace("{id}", "a" * 24).replace("{name}", "someone")
            answer = await viewer.call(method.upper(), concrete, json_body={})
            assert answer.status == 403, (method, path, answer.body)
            checked += 1
    assert checked >= 15
    # and without credentials every operation but the token ones is 401
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            if op.get("security") == []:
                continue
            concrete = path.replace("{id}", "a" * 24).replace("{name}", "someone")
            answer = await api.anonymous.call(method.upper(), concrete, json_body={})
            assert answer.status == 401, (method, path)
