"""The simulator serves issue 10's cloud of today: OVS without hybrid plug (openvswitch and
noop firewalls), the empty ``brctl show`` of bridge-utils 1.7, OVS ``external_ids``,
endpoints under paths, and hosts Nova names differently from the hypervisor."""

from __future__ import annotations

import aiohttp
import pytest

from calipso.fetchers.cli.parse.brctl import parse_brctl_show
from calipso.fetchers.cli.parse.ovs import parse_ovs_dpctl_show
from calipso.fetchers.cli.parse.ovs_list import interface_ids, parse_ovs_vsctl_list
from calipso.fetchers.cli.parse.virsh import parse_virsh_dumpxml
from calipso.sim import Cloud, generate, spec_from_flags
from calipso.sim.api import open_api
from calipso.sim.model import OWNER_COMPUTE
from calipso.sim.ssh.commands import HostTools
from calipso.sim.ssh.shell import Shell


def out(cloud: Cloud, host: str, command: str) -> str:
    tools = HostTools(cloud, host)
    result = Shell(tools, tools.read_file).run(command)
    assert result.exit_status == 0, (command, result)
    return result.stdout


@pytest.mark.parametrize("firewall", ["openvswitch", "noop"])
def test_native_plug_hosts_have_no_linux_bridge_and_say_nothing(firewall: str) -> None:
    cloud = generate(spec_from_flags(hosts=3, instances=4, networks=2, firewall=firewall,
                                     seed=2))
    for host in cloud.hosts.values():
        assert out(cloud, host.name, "brctl show") == ""
        assert parse_brctl_show(out(cloud, host.name, "brctl show")) == []
    port = next(p for p in cloud.ports.values() if p.device_owner == OWNER_COMPUTE)
    assert port.vif_details["ovs_hybrid_plug"] is False
    assert port.vif_details["port_filter"] is (firewall != "noop")
    ids = interface_ids(parse_ovs_vsctl_list(out(
        cloud, port.host, "ovs-vsctl --columns=name,external_ids list Interface")))
    assert ids["tap" + port.id[:11]] == port.id
    inst = next(i for i in cloud.instances.values() if port.id in i.port_ids)
    domain = parse_virsh_dumpxml(out(cloud, port.host, f"virsh dumpxml {inst.domain_id}"))
    [iface] = [i for i in domain.interfaces if i.interface_id == port.id]
    assert (iface.source_bridge, iface.virtualport_type) == ("br-int", "openvswitch")


def test_a_linux_bridge_host_still_prints_the_header() -> None:
    cloud = generate(spec_from_flags(hosts=2, instances=1, driver="lxb", seed=2))
    compute = next(h for h in cloud.hosts.values() if h.is_compute)
    assert out(cloud, compute.name, "brctl show").startswith("bridge name")


def test_short_host_names_for_nova_and_neutron_fqdn_for_the_host_itself() -> None:
    cloud = generate(spec_from_flags(hosts=2, instances=1, seed=2, short_host_names=True))
    host = next(h for h in cloud.hosts.values() if h.is_compute)
    assert host.name == "node-2" and host.hypervisor_hostname == "node-2.cloud.local"
    assert out(cloud, host.name, "hostname") == "node-2.cloud.local\n"
    assert out(cloud, host.name, "uname -n") == "node-2.cloud.local\n"
    assert {a.host for a in cloud.agents.values()} <= set(cloud.hosts)


async def test_endpoints_under_paths_on_one_port() -> None:
    cloud = generate(spec_from_flags(hosts=2, instances=1, seed=2, endpoints="paths",
                                     keystone_versions=["v3"]))
    async with open_api(cloud) as api, aiohttp.ClientSession() as http:
        assert len(set(api.ports.values())) == 1
        assert api.urls["nova"].endswith("/compute/v2.1")
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"},
            "password": next(u for u in cloud.users.values() if u.name == "admin").password}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
        async with http.post(api.urls["keystone"] + "/v3/auth/tokens", json=body) as got:
            assert got.status == 201
            token = got.headers["X-Subject-Token"]
            catalog = (await got.json())["token"]["catalog"]
        urls = {c["type"]: c["endpoints"][0]["url"] for c in catalog}
        assert urls["compute"] == api.urls["nova"]
        async with http.get(urls["compute"] + "/os-hypervisors/detail",
                            headers={"X-Auth-Token": token}) as got:
            assert got.status == 200
            assert len((await got.json())["hypervisors"]) == 1
        async with http.get(api.urls["keystone"] + "/v2.0/tokens") as got:
            assert got.status == 404  # Keystone v3 only


def test_the_userspace_datapath_is_seen_by_ovs_appctl_only() -> None:
    cloud = generate(spec_from_flags(hosts=2, instances=1, seed=2, firewall="noop",
                                     ovs_datapath="netdev"))
    host = next(h for h in cloud.hosts.values() if h.is_compute)
    assert out(cloud, host.name, "ovs-dpctl show") == ""
    ports = parse_ovs_dpctl_show(out(cloud, host.name, "ovs-appctl dpctl/show"))
    assert {p.datapath for p in ports} == {"netdev@ovs-netdev"}
    assert next(p for p in ports if p.name == "br-int").internal
    agent = next(a for a in cloud.agents.values() if a.host == host.name)
    assert agent.configurations["datapath_type"] == "netdev"
