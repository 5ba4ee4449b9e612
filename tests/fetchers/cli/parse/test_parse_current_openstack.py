"""Parsers on a Neutron 29 ML2/OVS cloud's real output (noop firewall, OVS 3.1 userspace,
bridge-utils 1.7.1, iproute2 6.1): the captures in tests/captures (issue 10)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from captures import capture_text

from calipso.fetchers.cli.cli_fetch_vconnectors_ovs import port_of_interface
from calipso.fetchers.cli.cli_fetch_vedges_ovs import shape_vedge_ovs, uplink_ports
from calipso.fetchers.cli.parse.brctl import parse_brctl_show
from calipso.fetchers.cli.parse.ip_address import parse_ip_address_show, parse_ip_link_show
from calipso.fetchers.cli.parse.netns import parse_ip_netns_list
from calipso.fetchers.cli.parse.ovs import parse_ovs_dpctl_show, parse_ovs_vsctl_show
from calipso.fetchers.cli.parse.ovs_list import parse_ovs_vsctl_list
from calipso.fetchers.cli.parse.sys_class_net import parse_sys_class_net
from calipso.fetchers.cli.parse.virsh import parse_virsh_dumpxml, parse_virsh_list

HOSTS = ("compute-1", "controller-1")


@pytest.mark.parametrize("host", HOSTS)
def test_an_empty_brctl_show_is_no_bridge(host: str) -> None:
    text = capture_text(f"ovs/cli/{host}/brctl_show.txt")
    assert text == ""  # bridge-utils 1.7.1 prints not even its header
    assert parse_brctl_show(text) == []


@pytest.mark.parametrize("parser", [parse_brctl_show, parse_ovs_dpctl_show,
                                    parse_ip_netns_list, parse_sys_class_net,
                                    parse_ovs_vsctl_list])
def test_listings_take_empty_output(parser: Callable[[str], list]) -> None:
    assert parser("") == [] and parser("\n") == []


def test_header_only_outputs_are_empty_listings() -> None:
    assert parse_brctl_show("bridge name\tbridge id\t\tSTP enabled\tinterfaces\n") == []
    assert parse_virsh_list(" Id   Name   State\n--------------------\n\n") == []
    show = parse_ovs_vsctl_show('8f1ae56f-a36e-4f64-b5f8-d26f5b2b7707\n'
                                '    ovs_version: "3.1.0"\n')
    assert show.bridges == () and show.ovs_version == "3.1.0"
    assert parse_ovs_dpctl_show("netdev@ovs-netdev:\n  lookups: hit:0 missed:0 lost:0\n"
                                "  flows: 0\n") == []


def test_network_node_bridges_ports_and_tunnels() -> None:
    show = parse_ovs_vsctl_show(capture_text("ovs/cli/controller-1/ovs-vsctl_show.txt"))
    assert [b.name for b in show.bridges] == ["br-ex", "br-tun", "br-int"]
    assert show.managers == ("punix:/run/openvswitch/db.sock",)
    br_int = show.bridge("br-int")
    assert br_int is not None and br_int.datapath_type == "netdev"
    tags = {p.name: p.tag for p in br_int.ports}
    assert tags["qg-71dc81e9-a5"] == 3 and tags["tap3925bb9d-23"] == 1
    datapath = parse_ovs_dpctl_show(capture_text("ovs/cli/controller-1/ovs-dpctl_show.txt"))
    # userspace datapath: internal ports show as (tap), the VXLAN vport with its options
    by_name = {p.name: p for p in datapath}
    assert by_name["br-int"].type == "tap" and by_name["br-int"].internal
    assert by_name["qr-06aeca29-b5"].internal and not by_name["eth2"].internal
    assert next(p for p in datapath if p.name == "vxlan_sys_4789").options == {
        "packet_type": "ptap"}
    agent = {"id": "a1", "configurations": {"bridge_mappings": {"provider": "br-ex"}}}
    assert uplink_ports(agent, show) == {"eth2"}
    vedge = shape_vedge_ovs("controller-1", agent, show, datapath)
    assert set(vedge["tunnel_ports"]) == {"vxlan-c0a8020c", "vxlan-c0a8020b"}
    assert vedge["tunnel_ports"]["vxlan-c0a8020b"]["options"]["remote_ip"] == "192.168.2.11"
    assert vedge["ports"]["qr-06aeca29-b5"]["tag"] == "2"


def test_native_plug_tap_names_its_port_in_libvirt_and_in_ovs() -> None:
    domain = parse_virsh_dumpxml(
        capture_text("ovs/cli/compute-1/virsh_dumpxml_instance-00000002.txt"))
    taps = {i.target_dev: (i.source_bridge, i.virtualport_type, i.interface_id)
            for i in domain.interfaces}
    assert taps["tap5551efc5-e1"] == ("br-int", "openvswitch",
                                      "5551efc5-e1e4-45a9-a388-41914601b961")
    show = parse_ovs_vsctl_show(capture_text("ovs/cli/compute-1/ovs-vsctl_show.txt"))
    on_br_int = {p.name for p in show.bridge("br-int").ports}  # type: ignore[union-attr]
    assert set(taps) <= on_br_int
    assert [d.name for d in parse_virsh_list(capture_text("ovs/cli/compute-1/virsh_list.txt"))
            ] == ["instance-00000002", "instance-00000001"]


def test_an_interface_is_matched_by_iface_id_before_its_name() -> None:
    ports = [{"id": "5551efc5-e1e4-45a9-a388-41914601b961", "mac_address": "fa:16:3e:c5:bb:8a"},
             {"id": "5551efc5-e1ff-0000-0000-000000000000", "mac_address": "fa:16:3e:00:00:01"}]
    # two ports share the 11 characters of the name: only iface-id tells them apart
    ids = {"tap5551efc5-e1": "5551efc5-e1e4-45a9-a388-41914601b961"}
    assert port_of_interface("tap5551efc5-e1", ports, ids) is ports[0]
    assert port_of_interface("tap5551efc5-e1", list(reversed(ports)), ids) is ports[0]
    # an uplink or a patch port is no port's device, whatever its name's tail
    assert port_of_interface("eth2", ports, {}) is None
    assert port_of_interface("patch-tun", ports, {}) is None


@pytest.mark.parametrize("host", HOSTS)
def test_host_links_and_addresses_parse(host: str) -> None:
    links = parse_ip_link_show(capture_text(f"ovs/cli/{host}/ip_-d_link_show.txt"))
    addresses = parse_ip_address_show(capture_text(f"ovs/cli/{host}/ip_address_show.txt"))
    assert {i.name for i in links} == {i.name for i in addresses}
    assert "br-int" in {i.name for i in links}
    nics = parse_sys_class_net(capture_text(f"ovs/cli/{host}/ls_-l__sys_class_net.txt"))
    assert "eth1" in nics


def test_namespaces_of_the_network_node() -> None:
    names = [n.name for n in parse_ip_netns_list(
        capture_text("ovs/cli/controller-1/ip_netns_list.txt"))]
    assert names == ["qrouter-0c1fdfaa-bb50-468c-87a6-478bb19e8cd7",
                     "qdhcp-dcd1ba67-5b3e-409a-a990-8a536d8c2d32",
                     "qdhcp-69c359b1-b02e-41f0-81a2-4b6c837009d7"]
    router = parse_ip_address_show(capture_text(
        "ovs/cli/controller-1/ip_netns_exec_qrouter-0c1fdfaa-bb50-468c-87a6-478bb19e8cd7"
        "_ip_address_show.txt"))
    assert {"qg-71dc81e9-a5", "qr-06aeca29-b5", "qr-7303eb52-79"} <= {i.name for i in router}
