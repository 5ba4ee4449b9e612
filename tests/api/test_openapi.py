"""``/openapi.json`` describes every route from the validating models; ``/docs`` renders it;
schemathesis, authenticated, with every check and every phase (stateful too), finds no 5xx,
no undocumented status, no valid request refused and no invalid one taken."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import aiohttp
import pytest
from api_client import ADMIN_PASSWORD, Api, Client

pytestmark = pytest.mark.timeout(180)


async def test_every_route_is_in_the_document(api: Api) -> None:
    answer = await api.admin.get("/openapi.json")
    assert answer.status == 200
    doc = answer.body
    assert doc["openapi"].startswith("3.")
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    expected = {
        ("GET", "/inventory"), ("GET", "/links"), ("GET", "/cliques"),
        ("GET", "/clique_types"), ("POST", "/clique_types"), ("PUT", "/clique_types/{id}"),
        ("DELETE", "/clique_types/{id}"), ("GET", "/clique_constraints"), ("GET", "/scans"),
        ("POST", "/scans"), ("POST", "/scans/{id}/cancel"), ("GET", "/scheduled_scans"),
        ("POST", "/scheduled_scans"), ("PUT", "/scheduled_scans/{id}"),
        ("DELETE", "/scheduled_scans/{id}"), ("GET", "/messages"), ("GET", "/constants"),
        ("GET", "/monitoring_config_templates"), ("GET", "/aggregates"),
        ("GET", "/environment_configs"), ("POST", "/environment_configs"),
        ("PUT", "/environment_configs/{name}"), ("DELETE", "/environment_configs/{name}"),
        ("GET", "/connection_tests"), ("POST", "/connection_tests"),
        ("POST", "/auth/tokens"), ("DELETE", "/auth/tokens"), ("GET", "/users"),
        ("POST", "/users"), ("PUT", "/users/{name}"), ("DELETE", "/users/{name}"),
        ("GET", "/search"), ("GET", "/graph"), ("GET", "/openapi.json"), ("GET", "/docs"),
        ("GET", "/health"), ("POST", "/monitoring/results"), ("GET", "/monitoring/summary"),
        ("GET", "/monitoring/settings"),
        # the web UI's (calipso/ui)
        ("GET", "/"), ("GET", "/ui/app.js"), ("GET", "/ui/app.css"), ("GET", "/environments"),
        ("GET", "/tree"), ("GET", "/overview"),
        ("GET", "/history/object"), ("GET", "/history/clique"), ("GET", "/history/link"),
        ("GET", "/history/timeline"), ("GET", "/history/diff"),
        ("GET", "/history/snapshots"), ("POST", "/history/snapshots"),
        ("DELETE", "/history/snapshots"), ("GET", "/impact"), ("GET", "/export"),
        ("GET", "/metrics"), ("GET", "/webhooks"),
        ("POST", "/webhooks"), ("DELETE", "/webhooks/{id}"),
    }
    assert documented == expected
    inventory = doc["paths"]["/inventory"]["get"]
    env_name = next(p for p in inventory["parameters"] if p["name"] == "env_name")
    assert env_name["required"] is True and env_name["in"] == "query"
    link_type = next(p for p in doc["paths"]["/links"]["get"]["parameters"]
                     if p["name"] == "link_type")
    assert "instance-vnic" in link_type["schema"]["enum"]  # from the constants
    body = doc["paths"]["/environment_configs"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith(
        "/EnvironmentConfig")
    pwd = doc["components"]["schemas"]["MysqlSection"]["properties"]["pwd"]
    assert pwd["writeOnly"] is True
    assert doc["paths"]["/auth/tokens"]["post"]["security"] == []
    assert "admin role" in doc["paths"]["/scans"]["post"]["description"]


async def test_the_docs_page_lists_every_operation(api: Api) -> None:
    page = await api.admin.get("/docs")
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "<script" not in page.text and "http://" not in page.text.replace(
        'href="/openapi.json"', "")
    for path in ("/inventory", "/environment_configs/{name}", "/scans/{id}/cancel"):
        assert f'<span class="path">{path}</span>' in page.text
    assert 'id="model-EnvironmentConfig"' in page.text
    assert (await api.anonymous.get("/docs")).status == 401


SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(SCHEMATHESIS is None, reason="schemathesis is not installed")
@pytest.mark.timeout(420)
async def test_schemathesis_finds_no_server_error_and_no_schema_break(
    start_service, tmp_path: Path
) -> None:
    async with start_service(CALIPSO_ADMIN_PASSWORD=ADMIN_PASSWORD,
                             CALIPSO_LOGIN_FAIL_DELAY="0",
                             CALIPSO_CONNECTION_TEST_TIMEOUT="1") as svc, \
            aiohttp.ClientSession() as http:
        admin = Client(http, svc.url, {}, [])
        token = (await admin.post("/auth/tokens", {"auth": {
            "methods": ["credentials"],
            "credentials": {"username": "admin", "password": ADMIN_PASSWORD}}})).body["token"]
        admin = admin.as_({"X-Auth-Token": token})
        # a second admin for the fuzzer: it may change "admin" and revoke its own tokens
        assert (await admin.post("/users", {"name": "fuzzer", "password": "fuzzer-pw-123",
                                            "role": "admin"})).status == 201
        assert (await admin.post("/environment_configs", {
            "name": "Fuzz", "distribution": "Mirantis", "distribution_version": "8.0",
            "mechanism_drivers": ["OVS"], "type_drivers": "vxlan", "configuration": [
                {"name": "OpenStack", "host": "127.0.0.1", "user": "a", "pwd": "b"},
                {"name": "CLI", "host": "127.0.0.1", "user": "a", "pwd": "b"}]})).status == 201
        fuzzer_token = (await admin.post("/auth/tokens", {"auth": {
            "methods": ["credentials"],
            "credentials": {"username": "fuzzer", "password": "fuzzer-pw-123"}}})).body["token"]
        schema = tmp_path / "openapi.json"
        schema.write_text((await admin.get("/openapi.json")).text)
        proc = await asyncio.create_subprocess_exec(
            SCHEMATHESIS, "run", str(schema), "--url", svc.url,
            # the fuzzer's own token; revoking it (DELETE /auth/tokens, tested on its own)
            # would end the run's authentication
            "--header", f"X-Auth-Token: {fuzzer_token}",
            "--exclude-operation-id", "delete_auth_tokens",
            # every check, every phase: some 6,500 cases in about two minutes on two cores;
            # a fixed seed, one worker and no shrinking make the run the same every time
            "--checks", "all",
            "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", "10",
            "--seed", "7", "--workers", "1", "--no-shrink",
            "--request-timeout", "10", "--suppress-health-check", "all",
            "--output-truncate", "false",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path)
        output, _ = await asyncio.wait_for(proc.communicate(), 360)
    text = output.decode(errors="replace")
    assert proc.returncode == 0, text[-6000:]
