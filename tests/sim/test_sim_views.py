"""Shapes shared by channels: nova network_info, live agent configurations, catalog."""

from __future__ import annotations

from calipso.sim.generate import generate
from calipso.sim.model import OWNER_DHCP
from calipso.sim.spec import spec_from_flags
from calipso.sim.truth import build_truth
from calipso.sim.views import network_info, nova_services


def test_network_info_matches_the_ports_and_dhcp_server() -> None:
    cloud = generate(spec_from_flags(hosts=2, instances=1, ports_per_instance=1))
    inst = next(iter(cloud.instances.values()))
    port = cloud.ports[inst.port_ids[0]]
    (vif,) = network_info(cloud, inst)
    assert vif["id"] == port.id and vif["address"] == port.mac
    assert vif["devname"] == "tap" + port.id[:11] and vif["ovs_interfaceid"] == port.id
    (subnet,) = vif["network"]["subnets"]
    assert subnet["ips"][0]["address"] == port.fixed_ips[0].ip_address
    dhcp = next(p for p in cloud.ports_on_network(port.network_id)
                if p.device_owner == OWNER_DHCP)
    assert subnet["meta"]["dhcp_server"] == dhcp.fixed_ips[0].ip_address
    assert vif["network"]["meta"]["tunneled"] is True


def test_agent_configurations_count_live_objects() -> None:
    cloud = generate(spec_from_flags(hosts=2, instances=3, networks=2))
    net_host = cloud.network_hosts()[0].name
    by_binary = {a.binary: a for a in cloud.agents_on_host(net_host)}
    dhcp = cloud.agent_configurations(by_binary["neutron-dhcp-agent"].id)
    assert dhcp["networks"] == 2 and dhcp["subnets"] == 2
    l3 = cloud.agent_configurations(by_binary["neutron-l3-agent"].id)
    assert (l3["routers"], l3["interfaces"], l3["ex_gw_ports"]) == (1, 2, 1)
    compute = cloud.compute_hosts()[0].name
    ovs = next(a for a in cloud.agents_on_host(compute)
               if a.binary == "neutron-openvswitch-agent")
    conf = cloud.agent_configurations(ovs.id)
    assert conf["devices"] == 3 and conf["tunneling_ip"] == cloud.hosts[compute].tunnel_ip
    assert conf["bridge_mappings"] == {} and conf["integration_bridge"] == "br-int"
    assert nova_services(cloud.hosts[compute]) == ["nova-compute"]


def test_region_endpoints_follow_the_urls_channels_set() -> None:
    cloud = generate(spec_from_flags(hosts=2, instances=0))
    cloud.set_endpoint_url("nova", "public", "http://127.0.0.1:40001/v2.1")
    truth = build_truth(cloud, "e")
    region = next(o for o in truth["objects"] if o["type"] == "region")
    assert region["endpoints"]["nova"]["publicURL"] == "http://127.0.0.1:40001/v2.1"
    assert region["endpoints"]["nova"]["service_type"] == "compute"
