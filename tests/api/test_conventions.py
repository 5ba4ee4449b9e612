"""What every endpoint shares: /health documented and in ISO 8601 times, Bearer tokens,
validation messages in the API's own words, a readable /docs, RFC 9110's ``Allow``, and
unusual text that is never a server error."""

from __future__ import annotations

import re
from datetime import datetime

from api_client import ENV, Api, env_config


async def test_health_is_documented_public_and_its_times_are_iso_8601(api: Api) -> None:
    doc = (await api.admin.get("/openapi.json")).body
    health = doc["paths"]["/health"]["get"]
    assert health["security"] == []
    assert {"200", "503"} <= set(health["responses"])
    answer = await api.anonymous.get("/health")
    assert answer.status == 200
    body = answer.body
    assert datetime.fromisoformat(body["started_at"]).utcoffset() is not None
    for name, part in body["parts"].items():
        if "since" in part:
            since = datetime.fromisoformat(part["since"])  # not epoch seconds
            assert since.utcoffset() is not None, name


async def test_a_bearer_token_is_accepted_like_x_auth_token(api: Api) -> None:
    token = api.admin.headers["X-Auth-Token"]
    bearer = api.anonymous.as_({"Authorization": f"Bearer {token}"})
    assert (await bearer.get("/clique_types")).status == 200
    wrong = await api.anonymous.as_({"Authorization": "Bearer nope"}).get("/clique_types")
    assert wrong.status == 401
    assert "Bearer" in wrong.headers["WWW-Authenticate"]
    doc = (await api.admin.get("/openapi.json")).body
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    # and it ends like any token
    assert (await bearer.call("DELETE", "/auth/tokens")).status == 200
    assert (await bearer.get("/clique_types")).status == 401


async def test_validation_messages_speak_of_characters_and_items_not_pydantic(
        api: Api) -> None:
    short = await api.admin.post("/users", {"name": "pat", "password": "short"})
    assert short.status == 400
    assert short.body["error"] == {"code": 400, "title": "Bad Request",
                                   "message": "password: give at least 8 characters",
                                   "field": "password"}
    no_targets = await api.admin.post("/connection_tests", {
        "environment": ENV, "test_targets": [],
        "targets_configuration": env_config()["configuration"][:1]})
    assert no_targets.body["error"]["message"] == "test_targets: give at least 1 item"
    neither = await api.anonymous.post("/auth/tokens", {"auth": {"methods": ["token"]}})
    assert neither.body["error"]["message"] == "auth: give credentials or a token"
    no_password = await api.admin.post("/users", {"name": "pat"})
    assert no_password.body["error"]["message"] == "password: a local user needs a password"
    for answer in (short, no_targets, neither, no_password):
        message = answer.body["error"]["message"]
        assert "after validation" not in message and "Value error" not in message


async def test_the_docs_page_shows_inline_code_not_backticks(api: Api) -> None:
    page = (await api.admin.get("/docs")).text
    text = re.sub(r"<[^>]+>", "", page)
    assert "`" not in text
    assert "<code>attributes:&lt;name&gt;=&lt;value&gt;</code>" in page


async def test_a_method_a_path_does_not_have_is_405_with_allow(api: Api) -> None:
    for method, path, allowed in (("TRACE", "/auth/tokens", "DELETE, POST"),
                                  ("PATCH", "/clique_types", "GET, POST"),
                                  ("POST", "/health", "GET")):
        answer = await api.admin.call(method, path)
        assert answer.status == 405, (method, path)
        assert answer.headers["Allow"] == allowed
        assert answer.body["error"]["message"] == f"{method} is not allowed here; use {allowed}"


async def test_unusual_text_in_a_connection_test_is_never_a_server_error(api: Api) -> None:
    await api.add_env()
    # lone surrogates are valid JSON escapes but no Unicode text; a pair is one character
    for text in ("\\ud877", "\\ude70x", "\\ud877\\ude70", "\\u0000"):
        section = f'{{"name": "CLI", "host": "h{text}", "user": "u{text}", "pwd": "p"}}'
        raw = (f'{{"environment": "{ENV}{text}", "test_targets": ["CLI"], '
               f'"targets_configuration": [{section}]}}').encode()
        answer = await api.admin.call("POST", "/connection_tests", raw=raw,
                                      headers={"Content-Type": "application/json"})
        assert answer.status in (201, 400), (text, answer.status, answer.text)
        if "\\ud877\\ude70" != text and "\\u0000" != text:
            assert answer.status == 400 and "surrogate" in answer.body["error"]["message"]


async def test_a_key_with_a_nul_is_400_not_a_server_error(api: Api) -> None:
    section = {"name": "CLI", "host": "h", "user": "u", "pwd": "p",
               "hosts": {"node\u0000-1": {"host": "10.0.0.1"}}}
    answer = await api.admin.post("/environment_configs", env_config(
        configuration=[*env_config()["configuration"][:1], section]))
    assert answer.status == 400
    assert answer.body["error"] == {
        "code": 400, "title": "Bad Request", "field": "configuration.1.hosts",
        "message": "configuration.1.hosts: a key may not hold the NUL character"}
    doc = (await api.admin.get("/openapi.json")).body
    hosts = doc["components"]["schemas"]["CliSection"]["properties"]["hosts"]
    assert hosts["propertyNames"] == {"pattern": "^[^\\x00]*$"}
