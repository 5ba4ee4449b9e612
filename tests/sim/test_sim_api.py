"""The simulator's OpenStack APIs over real HTTP: auth, errors, paging, formats, consistency.

`ApiClient` (a token and an aiohttp session) is shared with test_sim_api_changes.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from shared_fixtures import shared_fixture

from calipso.sim.api import ApiOptions
from calipso.sim.server import SimCloud
from calipso.sim.spec import spec_from_flags


def fixture(name: str) -> Any:
    return json.loads(shared_fixture(f"openstack_api/{name}").read_text())


def v3_body(user: str = "admin", password: str = "admin-secret",
            project: str | None = "admin") -> dict[str, Any]:
    auth: dict[str, Any] = {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"name": "Default"}, "password": password}}}}
    if project:
        auth["scope"] = {"project": {"name": project, "domain": {"name": "Default"}}}
    return {"auth": auth}


class ApiClient:
    """An admin session against a `SimCloud`'s APIs: `get/post/put/delete(service, path)`."""

    def __init__(self, sim: SimCloud, http: aiohttp.ClientSession) -> None:
        assert sim.api is not None
        self.urls = sim.api.urls
        self.http = http
        self.token = ""

    async def login(self) -> ApiClient:
        async with self.http.post(self.urls["keystone"] + "/v3/auth/tokens",
                                  json=v3_body()) as resp:
            assert resp.status == 201, await resp.text()
            self.token = resp.headers["X-Subject-Token"]
        return self

    async def call(self, method: str, service: str, path: str, body: Any = None,
                   token: str | None = None, headers: dict[str, str] | None = None,
                   ) -> tuple[int, Any]:
        url = path if path.startswith("http") else self.urls[service] + path
        sent = {"X-Auth-Token": self.token if token is None else token, **(headers or {})}
        async with self.http.request(method, url, json=body, headers=sent) as resp:
            text = await resp.text()
            return resp.status, (json.loads(text) if text else None)

    async def get(self, service: str, path: str, **kw: Any) -> Any:
        status, data = await self.call("GET", service, path, **kw)
        assert status == 200, (path, status, data)
        return data

    async def get_all(self, service: str, path: str, key: str) -> list[dict[str, Any]]:
        """Follow `<key>_links` next links to the end."""
        items: list[dict[str, Any]] = []
        url = self.urls[service] + path
        while True:
            data = await self.get(service, url)
            items.extend(data[key])
            nxt = [link["href"] for link in data.get(f"{key}_links", []) if link["rel"] == "next"]
            if not nxt:
                return items
            url = nxt[0]


@pytest.fixture(scope="module")
async def sim() -> AsyncIterator[SimCloud]:
    spec = spec_from_flags(hosts=4, instances=11, networks=3, seed=7, ports_per_instance=2,
                           routers=3,
                           aggregates=[{"name": "fast", "availability_zone": "nova",
                                        "hosts": 2, "metadata": {"ssd": "true"}}])
    async with SimCloud(spec, env_name="api-test", ssh=False,
                        api_options=ApiOptions(nova_max_limit=5)) as cloud:
        yield cloud


@pytest.fixture
async def api(sim: SimCloud) -> AsyncIterator[ApiClient]:
    async with aiohttp.ClientSession() as http:
        yield await ApiClient(sim, http).login()


# ---- Keystone ----------------------------------------------------------------------------

async def test_v3_token_with_catalog(sim: SimCloud, api: ApiClient) -> None:
    async with api.http.post(api.urls["keystone"] + "/v3/auth/tokens", json=v3_body()) as resp:
        assert resp.status == 201
        assert resp.headers["X-Subject-Token"].startswith("gAAAAA")
        assert resp.headers["X-OpenStack-Request-ID"].startswith("req-")
        token = (await resp.json())["token"]
    captured = fixture("keystone_v3_auth_tokens_POST.project_scoped.json")["token"]
    assert set(token) == set(captured)
    assert token["project"]["name"] == "admin" and token["expires_at"].endswith("Z")
    endpoints = {(svc["type"], ep["interface"]): ep for svc in token["catalog"]
                 for ep in svc["endpoints"]}
    for kind, url in (("compute", sim.api.urls["nova"]), ("network", sim.api.urls["neutron"]),
                      ("identity", sim.api.urls["keystone"] + "/v3")):
        for interface in ("public", "internal", "admin"):
            ep = endpoints[(kind, interface)]
            assert ep["url"] == url and ep["region_id"] == ep["region"] == "RegionOne"
            assert set(ep) == {"region_id", "url", "region", "interface", "id"}


async def test_v2_token_with_service_catalog(sim: SimCloud, api: ApiClient) -> None:
    body = {"auth": {"passwordCredentials": {"username": "admin", "password": "admin-secret"},
                     "tenantName": "admin"}}
    status, data = await api.call("POST", "keystone", "/v2.0/tokens", body, token="")
    assert status == 200
    captured = fixture("keystone_v2.0_tokens_POST.json")["access"]
    access = data["access"]
    assert set(access) == set(captured)
    assert set(access["token"]) == set(captured["token"])
    nova = next(s for s in access["serviceCatalog"] if s["type"] == "compute")
    assert set(nova["endpoints"][0]) == set(captured["serviceCatalog"][0]["endpoints"][0])
    assert nova["endpoints"][0]["publicURL"] == sim.api.urls["nova"]
    servers = await api.get("nova", "/servers/detail?all_tenants=1",
                            token=access["token"]["id"])
    assert servers["servers"]


async def test_projects_and_tenants(sim: SimCloud, api: ApiClient) -> None:
    names = {p.name for p in sim.cloud.projects.values()}
    projects = (await api.get("keystone", "/v3/projects"))["projects"]
    assert {p["name"] for p in projects} == names
    assert set(projects[0]) == set(fixture("keystone_v3_projects_GET.full.json")["projects"][0])
    scoped = await api.get("keystone", "/v3/auth/projects")
    assert {p["name"] for p in scoped["projects"]} == names
    tenants = (await api.get("keystone", "/v2.0/tenants"))["tenants"]
    assert set(tenants[0]) == set(fixture("keystone_v2.0_tenants_GET.items.json")[0])


async def test_member_token_sees_its_project_only(sim: SimCloud, api: ApiClient) -> None:
    body = v3_body(user="nova", password="nova-secret", project="service")
    async with api.http.post(api.urls["keystone"] + "/v3/auth/tokens", json=body) as resp:
        assert resp.status == 201
        member = resp.headers["X-Subject-Token"]
    assert (await api.call("GET", "keystone", "/v3/projects", token=member))[0] == 403
    status, data = await api.call("GET", "nova", "/servers/detail?all_tenants=1", token=member)
    assert status == 403 and "forbidden" in data
    servers = await api.get("nova", "/servers/detail", token=member)
    assert servers["servers"] == []  # the service project has no servers
    scoped = await api.get("keystone", "/v3/auth/projects", token=member)
    assert [p["name"] for p in scoped["projects"]] == ["service"]
    denied = v3_body(user="nova", password="nova-secret", project="admin")
    assert (await api.call("POST", "keystone", "/v3/auth/tokens", denied, token=""))[0] == 401


@pytest.mark.parametrize(("body", "status"), [
    (v3_body(password="wrong"), 401),
    (v3_body(user="nobody"), 401),
    (v3_body(project="no-such-project"), 401),
    ({"auth": {}}, 400),
    ({"nothing": 1}, 400),
])
async def test_v3_refusals(api: ApiClient, body: dict[str, Any], status: int) -> None:
    got, data = await api.call("POST", "keystone", "/v3/auth/tokens", body, token="")
    assert got == status
    assert data["error"]["code"] == status


@pytest.mark.parametrize(("service", "path"), [
    ("nova", "/servers/detail"), ("neutron", "/v2.0/networks"), ("keystone", "/v3/projects"),
    ("keystone", "/v2.0/tenants"),
])
async def test_missing_or_unknown_token_is_401(api: ApiClient, service: str, path: str) -> None:
    for token in ("", "gAAAAABnot-a-token"):
        status, data = await api.call("GET", service, path, token=token)
        assert status == 401
        assert data == {"error": {"code": 401, "title": "Unauthorized", "message":
                                  "The request you have made requires authentication."}}


async def test_expired_token_is_401() -> None:
    spec = spec_from_flags(hosts=2, instances=1, seed=1)
    async with SimCloud(spec, ssh=False, api_options=ApiOptions(token_ttl=0.5)) as sim, \
            aiohttp.ClientSession() as http:
        api = await ApiClient(sim, http).login()
        assert (await api.call("GET", "neutron", "/v2.0/networks"))[0] == 200
        await asyncio.sleep(0.7)
        assert (await api.call("GET", "neutron", "/v2.0/networks"))[0] == 401
        assert (await api.call("GET", "nova", "/servers"))[0] == 401
        await api.login()
        assert (await api.call("GET", "nova", "/servers"))[0] == 200


@pytest.mark.parametrize("versions", [["v3"], ["v2.0"]])
async def test_single_keystone_version(versions: list[str]) -> None:
    spec = spec_from_flags(hosts=2, instances=1, seed=1, keystone_versions=versions)
    async with SimCloud(spec, ssh=False) as sim, aiohttp.ClientSession() as http:
        api = ApiClient(sim, http)
        v3, _ = await api.call("POST", "keystone", "/v3/auth/tokens", v3_body(), token="")
        v2_body = {"auth": {"passwordCredentials": {"username": "admin",
                                                    "password": "admin-secret"},
                            "tenantName": "admin"}}
        v2, _ = await api.call("POST", "keystone", "/v2.0/tokens", v2_body, token="")
        assert (v3, v2) == ((201, 404) if versions == ["v3"] else (404, 200))
        status, data = await api.call("GET", "keystone", "/", token="")
        assert status == 300 and len(data["versions"]["values"]) == 1
        identity = sim.cloud.endpoint_urls[("keystone", "public")]
        assert identity.endswith("/v3" if versions == ["v3"] else "/v2.0")


# ---- errors and faults -------------------------------------------------------------------

async def test_unknown_paths_and_ids_are_404(api: ApiClient) -> None:
    cases = [
        ("nova", "/os-nothing", "itemNotFound"),
        ("nova", "/servers/7d8a0c47-9a05-4c1e-a1b4-000000000000", "itemNotFound"),
        ("neutron", "/v2.0/nothing", "NeutronError"),
        ("neutron", "/v2.0/ports/7d8a0c47-9a05-4c1e-a1b4-000000000000", "NeutronError"),
        ("keystone", "/v3/nothing", "error"),
    ]
    for service, path, key in cases:
        status, data = await api.call("GET", service, path)
        assert status == 404, path
        assert list(data) == [key]
    _, data = await api.call("GET", "neutron", "/v2.0/networks/nope")
    assert data["NeutronError"]["type"] == "NetworkNotFound"


async def test_faults_at_run_time(sim: SimCloud, api: ApiClient) -> None:
    status, data = await api.call("PUT", "keystone", "/sim/faults", {"error_rate": 1.0})
    assert status == 200 and data["error_rate"] == 1.0
    try:
        status, data = await api.call("GET", "nova", "/servers")
        assert status == 500 and "computeFault" in data
        status, data = await api.call("GET", "neutron", "/v2.0/ports")
        assert status == 500 and data["NeutronError"]["type"] == "HTTPInternalServerError"
    finally:
        sim.set_faults(error_rate=0.0, latency_ms=60)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await api.call("GET", "nova", "/flavors"))[0] == 200
    assert loop.time() - started >= 0.06
    sim.set_faults(latency_ms=0)
    status, _ = await api.call("PUT", "keystone", "/sim/faults", {"error_rate": 2})
    assert status == 400


# ---- paging ------------------------------------------------------------------------------

async def test_nova_paging_equals_full_list(sim: SimCloud, api: ApiClient) -> None:
    # nova_max_limit=5: an unpaged request is cut at 5 and links the next page
    first = await api.get("nova", "/servers/detail?all_tenants=1")
    assert len(first["servers"]) == 5 and first["servers_links"][0]["rel"] == "next"
    paged = await api.get_all("nova", "/servers/detail?all_tenants=1&limit=3", "servers")
    unpaged = await api.get_all("nova", "/servers/detail?all_tenants=1", "servers")
    assert [s["id"] for s in paged] == [s["id"] for s in unpaged]
    assert sorted(s["id"] for s in paged) == sorted(sim.cloud.instances)
    status, data = await api.call("GET", "nova", "/servers/detail?all_tenants=1&marker=bad")
    assert status == 400 and "badRequest" in data


@pytest.mark.parametrize("collection", ["networks", "subnets", "ports", "routers", "agents"])
async def test_neutron_paging_equals_full_list(api: ApiClient, collection: str) -> None:
    whole = (await api.get("neutron", f"/v2.0/{collection}"))[collection]
    assert f"{collection}_links" not in await api.get("neutron", f"/v2.0/{collection}")
    paged = await api.get_all("neutron", f"/v2.0/{collection}?limit=2", collection)
    assert [i["id"] for i in paged] == [i["id"] for i in whole]
    assert len(whole) > 2


# ---- consistency -------------------------------------------------------------------------

async def test_every_server_has_its_ports_in_neutron(sim: SimCloud, api: ApiClient) -> None:
    servers = await api.get_all("nova", "/servers/detail?all_tenants=1", "servers")
    assert len(servers) == len(sim.cloud.instances)
    for server in servers:
        ports = (await api.get("neutron", f"/v2.0/ports?device_id={server['id']}"))["ports"]
        from_nova = sorted((a["OS-EXT-IPS-MAC:mac_addr"], a["addr"])
                           for addrs in server["addresses"].values() for a in addrs)
        from_neutron = sorted((p["mac_address"], ip["ip_address"])
                              for p in ports for ip in p["fixed_ips"])
        assert from_nova == from_neutron and len(ports) == 2
        assert {p["binding:host_id"] for p in ports} == {server["OS-EXT-SRV-ATTR:host"]}
        assert all(p["device_owner"] == "compute:nova" for p in ports)


async def test_hypervisors_zones_and_host_servers(sim: SimCloud, api: ApiClient) -> None:
    computes = sim.cloud.compute_hosts()
    detail = (await api.get("nova", "/os-hypervisors/detail"))["hypervisors"]
    assert {(h["hypervisor_hostname"], h["host_ip"]) for h in detail} == {
        (h.name, h.ip) for h in computes}
    zones = (await api.get("nova", "/os-availability-zone/detail"))["availabilityZoneInfo"]
    nova_zone = next(z for z in zones if z["zoneName"] == "nova")
    assert set(nova_zone["hosts"]) == {h.name for h in computes}
    host = computes[0]
    listed = (await api.get("nova", f"/os-hypervisors/{host.name}/servers"))["hypervisors"]
    assert {s["uuid"] for s in listed[0]["servers"]} == {
        i.uuid for i in sim.cloud.instances_on_host(host.name)}
    mv = {"OpenStack-API-Version": "compute 2.53"}
    new = (await api.get("nova", "/os-hypervisors/detail", headers=mv))["hypervisors"]
    assert {h["id"] for h in new} == {h.hypervisor_uuid for h in computes}
    assert isinstance(new[0]["cpu_info"], dict)


async def test_filters(sim: SimCloud, api: ApiClient) -> None:
    host = sim.cloud.compute_hosts()[0].name
    ports = (await api.get("neutron", f"/v2.0/ports?binding:host_id={host}"))["ports"]
    assert {p["id"] for p in ports} == {p.id for p in sim.cloud.ports_on_host(host)}
    net = next(iter(sim.cloud.networks))
    subnets = (await api.get("neutron", f"/v2.0/subnets?network_id={net}"))["subnets"]
    assert [s["id"] for s in subnets] == list(sim.cloud.networks[net].subnet_ids)
    dhcp = (await api.get("neutron", "/v2.0/ports?device_owner=network:dhcp"
                                     "&fields=id&fields=device_owner"))["ports"]
    assert dhcp and all(set(p) == {"id", "device_owner"} for p in dhcp)
    status, data = await api.call("GET", "neutron", "/v2.0/ports?colour=blue")
    assert status == 400 and data["NeutronError"]["type"] == "BadRequest"


# ---- formats against the captures -------------------------------------------------------

FORMATS = [  # (service, path, key, capture, keys the capture has and we do not)
    ("nova", "/servers/detail?all_tenants=1", "servers", "nova_v2.1_servers_detail_GET.json",
     set()),
    ("nova", "/os-hypervisors", "hypervisors", "nova_v2.1_os-hypervisors_GET.json", set()),
    ("nova", "/os-hypervisors/detail", "hypervisors", "nova_v2.1_os-hypervisors_detail_GET.json",
     set()),
    ("nova", "/os-services", "services", "nova_v2.1_os-services_GET.json", set()),
    ("nova", "/flavors/detail", "flavors", "nova_v2.1_flavors_detail_GET.json", set()),
    ("nova", "/os-availability-zone/detail", "availabilityZoneInfo",
     "nova_v2.1_os-availability-zone_detail_GET.json", set()),
    ("neutron", "/v2.0/networks", "networks", "neutron_v2.0_networks_GET.provider.json",
     {"segments"}),  # only multi-segment networks carry it
    ("neutron", "/v2.0/subnets", "subnets", "neutron_v2.0_subnets_GET.full.json", set()),
    ("neutron", "/v2.0/ports", "ports", "neutron_v2.0_ports_GET.full.json", set()),
    ("neutron", "/v2.0/routers", "routers", "neutron_v2.0_routers_GET.json", set()),
    ("neutron", "/v2.0/agents", "agents", "neutron_v2.0_agents_GET.json", set()),
]


@pytest.mark.parametrize(("service", "path", "key", "capture", "absent"), FORMATS,
                         ids=[f[2] for f in FORMATS])
async def test_same_keys_as_captures(api: ApiClient, service: str, path: str, key: str,
                                     capture: str, absent: set[str]) -> None:
    ours = (await api.get(service, path))[key]
    theirs = fixture(capture)[key]
    captured_keys = set().union(*(set(item) for item in theirs)) - absent
    assert ours
    for item in ours:
        assert captured_keys <= set(item), sorted(captured_keys - set(item))
    if key == "ports":
        binding = fixture("neutron_v2.0_ports_GET.admin_binding.gophercloud.json")["ports"][0]
        assert set(binding) <= set(ours[0])
    if key == "availabilityZoneInfo":
        services = [s for z in ours for h in z["hosts"].values() for s in h.values()]
        assert all(set(s) == {"available", "active", "updated_at"} for s in services)


async def test_security_groups_and_floating_ips(sim: SimCloud, api: ApiClient) -> None:
    groups = (await api.get("neutron", "/v2.0/security-groups"))["security_groups"]
    assert len(groups) == len(sim.cloud.projects)
    by_id = {g["id"]: g for g in groups}
    for port in (await api.get("neutron", "/v2.0/ports?device_owner=compute:nova"))["ports"]:
        (group,) = port["security_groups"]
        assert by_id[group]["project_id"] == port["project_id"]
    shown = await api.get("neutron", f"/v2.0/security-groups/{groups[0]['id']}")
    assert shown["security_group"]["name"] == "default"
    assert (await api.get("neutron", "/v2.0/floatingips")) == {"floatingips": []}


async def test_aggregates_and_microversions(sim: SimCloud, api: ApiClient) -> None:
    mv = {"OpenStack-API-Version": "compute 2.41"}
    aggs = (await api.get("nova", "/os-aggregates", headers=mv))["aggregates"]
    assert set(aggs[0]) == set(fixture("nova_v2.41_os-aggregates_GET.json")["aggregates"][0])
    assert aggs[0]["hosts"] == [h.name for h in sim.cloud.compute_hosts()[:2]]
    assert aggs[0]["metadata"] == {"ssd": "true", "availability_zone": "nova"}
    status, data = await api.call("GET", "nova", "/flavors",
                                  headers={"OpenStack-API-Version": "compute 9.9"})
    assert status == 400 and "badRequest" in data
