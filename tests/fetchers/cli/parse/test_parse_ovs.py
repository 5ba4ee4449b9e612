"""Open vSwitch: ovs-vsctl show (2.x quoted and 3.x bare), ovs-dpctl show, list-ifaces."""

from __future__ import annotations

import json

import pytest

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.ovs import (
    parse_ovs_dpctl_show,
    parse_ovs_vsctl_list_ifaces,
    parse_ovs_vsctl_show,
    parse_ovsdb_map,
)


def test_network_node_excerpt_gives_the_expected_vedge(fixture_text):
    """DbFetchVedgesOvs: dpctl port numbers + vsctl tags, br-tun ports as tunnel_ports."""
    show = parse_ovs_vsctl_show(fixture_text("cli/ovs/ovs-vsctl_show.txt"))
    dp_ports = parse_ovs_dpctl_show(fixture_text("cli/ovs/ovs-dpctl_show.txt"))
    [expected] = json.loads(fixture_text("inventory/fetcher_results/db_fetch_vedges_ovs.json"))
    assert show.uuid == "3b12f08e-4e13-4976-8da5-23314b268805" and show.ovs_version is None
    tags = {port.name: port.tag for bridge in show.bridges for port in bridge.ports}
    ports = {}
    for dp in dp_ports:
        ports[dp.name] = {"name": dp.name, "id": str(dp.port_no), "internal": dp.internal}
        if tags.get(dp.name) is not None:
            ports[dp.name]["tag"] = str(tags[dp.name])
    assert ports == expected["ports"]
    br_tun = show.bridge("br-tun")
    assert br_tun is not None and br_tun.fail_mode == "secure"
    tunnel_ports = {
        port.name: {"name": port.name, "interface": iface.name, "type": iface.type,
                    "options": iface.options}
        for port in br_tun.ports for iface in port.interfaces
    }
    assert tunnel_ports == expected["tunnel_ports"]


def test_hybrid_plug_compute_ovs_2(fixture_text):
    show = parse_ovs_vsctl_show(fixture_text("cli/ovs/ovs-vsctl_show.compute_hybrid.txt"))
    assert show.ovs_version == "2.0.2" and show.managers == ()
    assert [bridge.name for bridge in show.bridges] == ["br-int", "br-tun"]
    br_int = show.bridge("br-int")
    assert {p.name: p.tag for p in br_int.ports} == {
        "br-int": None, "qvoc4493802-43": 1, "patch-tun": None, "qvof47c62b0-db": 1}
    qvo = next(p for p in br_int.ports if p.name == "qvof47c62b0-db")
    assert [(i.name, i.type) for i in qvo.interfaces] == [("qvof47c62b0-db", None)]
    [vxlan] = [p for p in show.bridge("br-tun").ports if p.name.startswith("vxlan-")]
    iface = vxlan.interfaces[0]
    assert iface.type == "vxlan"
    assert iface.options == {"df_default": "true", "in_key": "flow", "local_ip": "10.0.100.88",
                             "out_key": "flow", "remote_ip": "10.0.100.77"}


def test_openvswitch_firewall_compute_ovs_3(fixture_text):
    show = parse_ovs_vsctl_show(fixture_text("cli/ovs/ovs-vsctl_show.compute_ovsfw.txt"))
    assert show.uuid == "698493db-95ef-4c31-b419-56b3d4096f2b"
    assert show.ovs_version == "3.3.1" and show.managers == ("ptcp:6640:127.0.0.1",)
    assert [b.name for b in show.bridges] == ["br-mgmt", "br-int", "br-tun", "br-provider"]
    br_int = show.bridge("br-int")
    assert br_int.controllers == ("tcp:127.0.0.1:6633",)
    assert (br_int.fail_mode, br_int.datapath_type) == ("secure", "system")
    tags = {p.name: p.tag for p in br_int.ports}
    assert tags["tap648437e1-0d"] == 3 and tags["tap0ab9a23c-99"] == 1
    assert tags["tap635485ff-6c"] == 2 and tags["patch-tun"] is None
    stale = next(p for p in br_int.ports if p.name == "tap0ab9a23c-99").interfaces[0]
    assert stale.error == "could not open network device tap0ab9a23c-99 (No such device)"
    [vxlan] = [p for p in show.bridge("br-tun").ports if p.name == "vxlan-ac10000b"]
    options = vxlan.interfaces[0].options
    assert (options["local_ip"], options["remote_ip"]) == ("172.16.0.31", "172.16.0.11")
    assert options["egress_pkt_mark"] == "0"
    # vxlan-<remote ip in hex>
    assert vxlan.name == "vxlan-" + "".join(f"{int(o):02x}" for o in "172.16.0.11".split("."))
    eth2 = show.bridge("br-provider").ports[0].interfaces[0]
    assert (eth2.name, eth2.type) == ("eth2", "system")
    assert show.bridge("br-nope") is None


def test_interface_external_ids_and_port_attributes():
    text = (
        "0b7e5e2c-8a1d-4e43-9e6a-6c0f2b8f7a11\n"
        "    Bridge br-int\n"
        "        Port tap648437e1-0d\n"
        "            tag: 3\n"
        "            trunks: [1, 2]\n"
        "            Interface tap648437e1-0d\n"
        '                external_ids: {attached-mac="fa:16:3e:61:21:c6", '
        'iface-id="648437e1-0d5a-4a8c-9c02-3c6b1d0ad7f5", iface-status=active, '
        'vm-uuid="2337b0eb-372c-43b8-923e-90a89337d211"}\n'
        '                mac_in_use: "fe:16:3e:61:21:c6"\n'
    )
    port = parse_ovs_vsctl_show(text).bridges[0].ports[0]
    assert port.attributes == {"trunks": "[1, 2]"}
    iface = port.interfaces[0]
    assert iface.external_ids["iface-id"] == "648437e1-0d5a-4a8c-9c02-3c6b1d0ad7f5"
    assert iface.external_ids["attached-mac"] == "fa:16:3e:61:21:c6"
    assert iface.external_ids["iface-status"] == "active"
    assert iface.attributes == {"mac_in_use": "fe:16:3e:61:21:c6"}


def test_ovsdb_map_quoting():
    assert parse_ovsdb_map("{}") == {}
    assert parse_ovsdb_map('{a="x, y", b=2}') == {"a": "x, y", "b": "2"}
    with pytest.raises(ParseError):
        parse_ovsdb_map("peer=patch-int")


def test_dpctl_show_modern_with_vxlan_port(fixture_text):
    ports = parse_ovs_dpctl_show(fixture_text("cli/ovs/ovs-dpctl_show.compute_ovsfw.txt"))
    assert [p.port_no for p in ports] == list(range(9))
    assert {p.datapath for p in ports} == {"system@ovs-system"}
    by_name = {p.name: p for p in ports}
    assert by_name["br-int"].internal and not by_name["eth2"].internal
    assert by_name["eth2"].type is None
    vxlan = by_name["vxlan_sys_4789"]
    assert (vxlan.type, vxlan.options, vxlan.port_no) == ("vxlan", {"packet_type": "ptap"}, 7)
    assert by_name["tap648437e1-0d"].port_no == 8


def test_list_ifaces():
    assert parse_ovs_vsctl_list_ifaces("eth0\nphy-br-ex\n") == ["eth0", "phy-br-ex"]
    assert parse_ovs_vsctl_list_ifaces("") == []
    with pytest.raises(ParseError):
        parse_ovs_vsctl_list_ifaces("ovs-vsctl: no bridge named br-x\n")
