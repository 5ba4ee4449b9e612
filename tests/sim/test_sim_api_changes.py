"""Creating and deleting through the simulated APIs changes the API answers and the truth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from test_sim_api import ApiClient

from calipso.sim.server import SimCloud
from calipso.sim.spec import spec_from_flags


@pytest.fixture(params=["ovs", "lxb", "vpp"])
async def sim(request: pytest.FixtureRequest) -> AsyncIterator[SimCloud]:
    spec = spec_from_flags(hosts=3, instances=3, networks=2, seed=3, driver=request.param)
    async with SimCloud(spec, env_name="changes", ssh=False) as cloud:
        yield cloud


@pytest.fixture
async def api(sim: SimCloud) -> AsyncIterator[ApiClient]:
    async with aiohttp.ClientSession() as http:
        yield await ApiClient(sim, http).login()


def truth_ids(sim: SimCloud, kind: str) -> set[str]:
    return {o["id"] for o in sim.truth()["objects"] if o["type"] == kind}


def tenant_network(sim: SimCloud) -> str:
    return next(n.id for n in sim.cloud.networks.values() if not n.external)


async def test_boot_and_delete_a_server(sim: SimCloud, api: ApiClient) -> None:
    host = sim.cloud.compute_hosts()[-1].name
    body = {"server": {"name": "probe", "flavorRef": "1",
                       "networks": [{"uuid": tenant_network(sim)}],
                       "availability_zone": f"nova:{host}"}}
    status, data = await api.call("POST", "nova", "/servers", body)
    assert status == 202 and set(data["server"]) >= {"id", "links", "adminPass"}
    uuid = data["server"]["id"]
    server = (await api.get("nova", f"/servers/{uuid}"))["server"]
    assert server["OS-EXT-SRV-ATTR:host"] == host and server["status"] == "ACTIVE"
    ports = (await api.get("neutron", f"/v2.0/ports?device_id={uuid}"))["ports"]
    mac = next(iter(server["addresses"].values()))[0]["OS-EXT-IPS-MAC:mac_addr"]
    assert [p["mac_address"] for p in ports] == [mac]
    assert ports[0]["binding:host_id"] == host
    listed = await api.get_all("nova", "/servers/detail?all_tenants=1", "servers")
    assert uuid in {s["id"] for s in listed}
    assert uuid in truth_ids(sim, "instance")
    assert (await api.call("DELETE", "nova", f"/servers/{uuid}"))[0] == 204
    assert (await api.call("GET", "nova", f"/servers/{uuid}"))[0] == 404
    assert (await api.get("neutron", f"/v2.0/ports?device_id={uuid}"))["ports"] == []
    assert uuid not in truth_ids(sim, "instance")


async def test_network_subnet_router_lifecycle(sim: SimCloud, api: ApiClient) -> None:
    cloud = sim.cloud
    demo = next(p.id for p in cloud.projects.values() if p.name == "demo")
    status, data = await api.call("POST", "neutron", "/v2.0/networks",
                                  {"network": {"name": "green", "project_id": demo}})
    assert status == 201
    net = data["network"]
    assert net["tenant_id"] == net["project_id"] == demo and net["subnets"] == []
    assert net["id"] in truth_ids(sim, "network")
    status, data = await api.call("POST", "neutron", "/v2.0/subnets", {"subnet": {
        "network_id": net["id"], "cidr": "10.77.0.0/24", "ip_version": 4, "name": "green-1"}})
    assert status == 201
    sub = data["subnet"]
    assert sub["gateway_ip"] == "10.77.0.1" and sub["enable_dhcp"] is True
    dhcp = (await api.get("neutron", f"/v2.0/ports?network_id={net['id']}"))["ports"]
    assert [p["device_owner"] for p in dhcp] == ["network:dhcp"]
    shown = (await api.get("neutron", f"/v2.0/networks/{net['id']}"))["network"]
    assert shown["subnets"] == [sub["id"]]

    public = next(n.id for n in cloud.networks.values() if n.external)
    status, data = await api.call("POST", "neutron", "/v2.0/routers", {"router": {
        "name": "edge-2", "project_id": demo, "external_gateway_info": {"network_id": public}}})
    assert status == 201
    router = data["router"]
    gateway = router["external_gateway_info"]
    assert gateway["network_id"] == public and gateway["external_fixed_ips"]
    path = f"/v2.0/routers/{router['id']}"
    status, data = await api.call("PUT", "neutron", path + "/add_router_interface",
                                  {"subnet_id": sub["id"]})
    assert status == 200 and data["subnet_id"] == sub["id"]
    port = (await api.get("neutron", f"/v2.0/ports/{data['port_id']}"))["port"]
    assert port["device_owner"] == "network:router_interface"
    assert port["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.77.0.1"}]
    assert data["port_id"] in truth_ids(sim, "port")

    status, data = await api.call("DELETE", "neutron", path)
    assert status == 409 and data["NeutronError"]["type"] == "RouterInUse"
    status, data = await api.call("DELETE", "neutron", f"/v2.0/subnets/{sub['id']}")
    assert status == 409
    status, _ = await api.call("PUT", "neutron", path + "/remove_router_interface",
                               {"subnet_id": sub["id"]})
    assert status == 200
    assert (await api.call("GET", "neutron", f"/v2.0/ports/{port['id']}"))[0] == 404
    status, data = await api.call("PUT", "neutron", path, {"router": {
        "external_gateway_info": None}})
    assert status == 200 and data["router"]["external_gateway_info"] is None
    status, data = await api.call("PUT", "neutron", path, {"router": {
        "external_gateway_info": {"network_id": public}}})
    assert status == 200 and data["router"]["external_gateway_info"]["network_id"] == public
    gw_ports = (await api.get("neutron", f"/v2.0/ports?device_id={router['id']}"))["ports"]
    assert [p["device_owner"] for p in gw_ports] == ["network:router_gateway"]
    assert (await api.call("DELETE", "neutron", path))[0] == 204
    assert (await api.call("DELETE", "neutron", f"/v2.0/networks/{net['id']}"))[0] == 204
    assert (await api.call("GET", "neutron", f"/v2.0/subnets/{sub['id']}"))[0] == 404
    assert net["id"] not in truth_ids(sim, "network")
    assert router["id"] not in {r.id for r in cloud.routers.values()}


async def test_ports_create_bind_delete(sim: SimCloud, api: ApiClient) -> None:
    net = tenant_network(sim)
    status, data = await api.call("POST", "neutron", "/v2.0/ports", {"port": {
        "network_id": net, "name": "spare"}})
    assert status == 201
    port = data["port"]
    assert port["binding:vif_type"] == "unbound" and port["status"] == "DOWN"
    host = sim.cloud.compute_hosts()[0].name
    status, data = await api.call("PUT", "neutron", f"/v2.0/ports/{port['id']}", {"port": {
        "binding:host_id": host, "device_owner": "compute:nova"}})
    assert status == 200 and data["port"]["binding:host_id"] == host
    assert data["port"]["status"] == "ACTIVE"
    status, data = await api.call("POST", "neutron", "/v2.0/ports", {"port": {
        "network_id": net, "mac_address": port["mac_address"]}})
    assert status == 409 and data["NeutronError"]["type"] == "MacAddressInUse"
    assert (await api.call("DELETE", "neutron", f"/v2.0/ports/{port['id']}"))[0] == 204
    assert port["id"] not in truth_ids(sim, "port")


BAD_BODIES: list[tuple[str, str, str, Any]] = [
    ("POST", "nova", "/servers", {"server": {"name": "x", "flavorRef": "1"}}),
    ("POST", "nova", "/servers", {"server": {"name": "x", "flavorRef": "99",
                                              "networks": "auto"}}),
    ("POST", "nova", "/servers", {"nothing": {}}),
    ("POST", "neutron", "/v2.0/networks", {"network": {"colour": "blue"}}),
    ("POST", "neutron", "/v2.0/subnets", {"subnet": {"cidr": "10.9.0.0/24"}}),
    ("POST", "neutron", "/v2.0/networks", [1, 2]),
]


@pytest.mark.parametrize(("method", "service", "path", "body"), BAD_BODIES)
async def test_bad_bodies_are_400(api: ApiClient, method: str, service: str, path: str,
                                  body: Any) -> None:
    status, data = await api.call(method, service, path, body)
    assert status == 400, data
    assert list(data) == ["badRequest" if service == "nova" else "NeutronError"]


async def test_not_json_is_400(api: ApiClient) -> None:
    async with api.http.post(api.urls["neutron"] + "/v2.0/networks", data=b"{nope",
                             headers={"X-Auth-Token": api.token}) as resp:
        assert resp.status == 400
