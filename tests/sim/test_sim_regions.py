"""A simulated cloud of several regions: each region's Nova and Neutron over real HTTP
answer only for that region, and the catalog lists each region's endpoints."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

import aiohttp
import pytest
from test_sim_api import ApiClient, v3_body

from calipso.errors import ConfigError
from calipso.sim import generate, spec_from_flags
from calipso.sim.checks import cloud_problems
from calipso.sim.cli import add_arguments, build_spec
from calipso.sim.server import SimCloud

REGIONS = ["RegionOne", "RegionTwo"]


@pytest.fixture(scope="module")
async def sim() -> AsyncIterator[SimCloud]:
    spec = spec_from_flags(hosts=5, instances=6, networks=3, seed=4, regions=REGIONS,
                           routers=2)
    async with SimCloud(spec, env_name="regions", ssh=False) as sim:
        yield sim


async def test_each_region_has_its_endpoints_and_answers_for_its_own(sim: SimCloud) -> None:
    cloud = sim.cloud
    async with aiohttp.ClientSession() as http:
        client = await ApiClient(sim, http).login()
        async with http.post(client.urls["keystone"] + "/v3/auth/tokens",
                             json=v3_body()) as resp:
            catalog = (await resp.json())["token"]["catalog"]
        urls = {(ep["region_id"], svc["type"]): ep["url"] for svc in catalog
                for ep in svc["endpoints"] if ep["interface"] == "public"}
        assert urls[("RegionOne", "compute")] != urls[("RegionTwo", "compute")]
        assert ("RegionTwo", "identity") not in urls  # Keystone is the cloud's
        for region in REGIONS:
            zones = await client.get("nova", urls[(region, "compute")]
                                     + "/os-availability-zone/detail")
            listed = {h for z in zones["availabilityZoneInfo"] for h in z["hosts"]}
            assert listed == {h.name for h in cloud.hosts.values() if h.region == region}
            assert {z["zoneName"] for z in zones["availabilityZoneInfo"]} == {"nova",
                                                                             "internal"}
            servers = await client.get("nova", urls[(region, "compute")]
                                       + "/servers/detail?all_tenants=1")
            assert {s["id"] for s in servers["servers"]} == {
                i.uuid for i in cloud.instances.values() if cloud.hosts[i.host].region == region}
            networks = await client.get("neutron", urls[(region, "network")] + "/v2.0/networks")
            assert {n["id"] for n in networks["networks"]} == {
                n for n in cloud.networks if cloud.region_of_network(n) == region}
            agents = await client.get("neutron", urls[(region, "network")] + "/v2.0/agents")
            assert {a["host"] for a in agents["agents"]} == {
                h.name for h in cloud.hosts.values() if h.region == region}
            created = await client.call(
                "POST", "neutron", urls[(region, "network")] + "/v2.0/networks",
                {"network": {"name": f"made-in-{region}"}})
            assert created[0] == 201
            assert cloud.region_of_network(created[1]["network"]["id"]) == region


def test_every_region_gets_a_network_host_and_its_own_routers_and_instances() -> None:
    cloud = generate(spec_from_flags(hosts=6, instances=8, networks=4, seed=1,
                                     regions=REGIONS, routers=2))
    for region in REGIONS:
        assert [h for h in cloud.network_hosts() if h.region == region]
    for router in cloud.routers.values():
        region = cloud.hosts[router.host].region
        assert {cloud.region_of_network(p.network_id)
                for p in cloud.router_ports(router.id)} == {region}
    for net in cloud.networks.values():
        host = cloud.dhcp_host(net.id)
        assert host is None or cloud.hosts[host].region == cloud.region_of_network(net.id)
    assert cloud_problems(cloud) == []
    two = cloud.create_instance("booted", next(iter(cloud.projects)),
                                [n.id for n in cloud.networks.values()
                                 if cloud.region_of_network(n.id) == "RegionTwo"][:1])
    assert cloud.hosts[two.host].region == "RegionTwo"  # the least loaded of its region
    assert cloud_problems(cloud) == []


def test_regions_flag_and_its_bad_values() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    spec = build_spec(parser.parse_args(["--regions", "RegionOne, RegionTwo", "--hosts", "4"]))
    assert spec.regions == REGIONS
    with pytest.raises(ConfigError, match="at least 2"):
        build_spec(parser.parse_args(["--regions", "A,B", "--hosts", "1"]))
    with pytest.raises(ConfigError, match="each named once"):
        build_spec(parser.parse_args(["--regions", "A,A"]))
    with pytest.raises(ConfigError, match="ovs, lxb or vpp"):
        build_spec(parser.parse_args(["--regions", "A,B", "--driver", "ovn"]))
