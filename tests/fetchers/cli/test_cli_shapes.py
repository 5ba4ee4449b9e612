"""The CLI fetchers' shaping on captured outputs of real hosts, against what the original
Calipso's tests expected of the same captures (``inventory/fetcher_results``).

Ids differ where we differ on purpose: vServices and vNICs carry their host (two network
hosts can serve one network), OTEP ports are a list of names, ``udp_port`` an integer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from calipso.fetchers.cli.cli_fetch_host_pnics import shape_host_pnics
from calipso.fetchers.cli.cli_fetch_host_vservices import shape_vservices
from calipso.fetchers.cli.cli_fetch_instance_vnics import shape_instance_vnics
from calipso.fetchers.cli.cli_fetch_oteps_lxb import shape_otep_lxb
from calipso.fetchers.cli.cli_fetch_vconnectors_ovs import (
    known_bridges,
    mark_unrecognised,
    shape_linux_bridges,
    shape_ovs_bridge,
)
from calipso.fetchers.cli.cli_fetch_vconnectors_vpp import shape_bridge_domains
from calipso.fetchers.cli.cli_fetch_vedges_ovs import shape_vedge_ovs
from calipso.fetchers.cli.cli_fetch_vedges_vpp import shape_vedge_vpp
from calipso.fetchers.cli.cli_fetch_vservice_vnics import shape_vservice_vnics
from calipso.fetchers.cli.parse.brctl import LinuxBridge, parse_brctl_show
from calipso.fetchers.cli.parse.bridge_fdb import parse_bridge_fdb_show
from calipso.fetchers.cli.parse.ethtool import parse_ethtool
from calipso.fetchers.cli.parse.ip_address import parse_ip_address_show, parse_ip_link_show
from calipso.fetchers.cli.parse.netns import parse_ip_netns_list
from calipso.fetchers.cli.parse.ovs import parse_ovs_dpctl_show, parse_ovs_vsctl_show
from calipso.fetchers.cli.parse.virsh import (
    Domain,
    parse_virsh_dumpxml,
    parse_virsh_interface_xml,
)
from calipso.fetchers.cli.parse.vpp import (
    parse_vppctl_show_hardware,
    parse_vppctl_show_int,
    parse_vppctl_show_int_addr,
    parse_vppctl_show_mode,
    parse_vppctl_show_version,
)
from calipso.fetchers.cli.scope import PortIndex
from calipso.fetchers.cli.tunnel_endpoint import interface_with_ip, shape_otep
from calipso.fetchers.unrecognised import unrecognised_summary

Text = Callable[..., str]
RESULTS = "inventory/fetcher_results/"


def expected(fixture_text: Text, name: str) -> Any:
    return json.loads(fixture_text(RESULTS + name))


def test_vservices_of_the_captured_network_node(fixture_text: Text) -> None:
    host = "node-6.cisco.com"
    original = expected(fixture_text, "cli_fetch_host_vservices.json")
    networks = {o["local_service_id"][6:]: {"name": o["name"][5:]}
                for o in original if o["service_type"] == "dhcp"}
    routers = {o["local_service_id"][8:]: {"name": o["name"][7:], "status": o["status"],
                                           "tenant_id": o["tenant_id"]}
               for o in original if o["service_type"] == "router"}
    namespaces = parse_ip_netns_list(fixture_text("cli/generic/ip_netns_list.txt"))
    texts = {"dhcp": "DHCP servers", "router": "Gateways"}
    docs = shape_vservices(host, namespaces, networks, routers, PortIndex([]), texts)
    # 9 qdhcp + 2 qrouter (haproxy and vrouter are not vServices); the original's expected
    # list holds 9 of them
    assert len(docs) == 11
    mine = {d["id"]: d for d in docs}
    for want in original:
        got = mine[f"{host}-{want['id']}"]
        for key in ("name", "local_service_id", "service_type", "host", "parent_id",
                    "parent_type", "parent_text", "master_parent_id", "master_parent_type"):
            assert got[key] == want[key], key
        if want["service_type"] == "router":
            assert got["status"] == want["status"] and got["tenant_id"] == want["tenant_id"]


def test_vservice_vnics_of_captured_namespaces(fixture_text: Text) -> None:
    host = "controller"
    networks = [{"id": "net-self", "cidrs": ["192.168.101.0/24"]},
                {"id": "net-provider", "cidrs": ["172.16.0.0/24"]}]
    ports = PortIndex([{"id": "port-qr", "mac_address": "fa:16:3e:af:a9:e5",
                        "network_id": "net-self"}])
    dhcp = parse_ip_address_show(fixture_text(
        "cli/generic/ip_netns_exec_qdhcp-c08e7dcd-4acb-4cd0-ad08-ebd3b48467ee_ip_addr_show.txt"))
    [ns] = shape_vservice_vnics(host, f"{host}-qdhcp-c08e7dcd", dhcp, networks, ports)
    assert ns["id"] == f"{host}-ns-e0bba9cc-3e" and ns["name"] == "ns-e0bba9cc-3e"
    assert (ns["mac_address"], ns["IP Address"], ns["netmask"], ns["cidr"], ns["network"]) == (
        "fa:16:3e:fb:fe:e2", "192.168.101.1", "255.255.255.0", "192.168.101.0/24", "net-self")
    assert (ns["parent_id"], ns["parent_type"], ns["parent_text"]) == (
        f"{host}-qdhcp-c08e7dcd-vnics", "vnics_folder", "vNICs")
    router = parse_ip_address_show(fixture_text(
        "cli/generic/ip_netns_exec_qrouter-fa9a921e-7ff6-4468-a08b-5415cebeb089_ip_addr_show"
        ".txt"))
    qr, qg = shape_vservice_vnics(host, f"{host}-qrouter-fa9a921e", router, networks, ports)
    assert (qr["name"], qr["port_id"], qr["network"]) == ("qr-d8316879-dd", "port-qr",
                                                          "net-self")
    assert (qg["name"], qg["IP Address"], qg["network"], qg["port_id"]) == (
        "qg-d8a9d7f6-47", "172.16.0.131", "net-provider", None)


def test_instance_vnic_of_the_captured_domain(fixture_text: Text) -> None:
    [want] = expected(fixture_text, "cli_fetch_instance_vnics.json")
    domain = parse_virsh_dumpxml(fixture_text("cli/generic/virsh_dumpxml_38.txt"))
    ports = PortIndex([{"id": "1f72bd15-8a23-4d3a-9fd6-6aa7f3bbd4b2",
                        "mac_address": "fa:16:3e:e8:7f:04", "network_id": "net"}])
    [got] = shape_instance_vnics("node-5.cisco.com", want["instance_id"], domain, ports)
    assert got["id"] == f"node-5.cisco.com-{want['id']}" and got["name"] == want["name"]
    for key in ("@type", "mac", "source", "target", "model", "driver", "alias", "address",
                "mac_address", "source_bridge", "vnic_type", "host", "instance_id"):
        assert got[key] == want[key], key
    assert got["instance_db_id"] == 0x26 and got["network"] == "net"


def test_ethernet_tap_takes_the_bridge_its_port_is_bound_to(fixture_text: Text) -> None:
    iface = parse_virsh_interface_xml(
        fixture_text("cli/ovs/virsh_dumpxml_1.interface_excerpt.compute_ovsfw.txt"))
    domain = Domain(id=1, name="instance-00000001", uuid="u", interfaces=(iface,))
    port = {"id": "648437e1-0d5c-4a5e-9a4c-0a1b2c3d4e5f", "mac_address": "fa:16:3e:61:21:c6",
            "network_id": "net", "binding:vif_details": {"bridge_name": "br-int",
                                                         "ovs_hybrid_plug": False}}
    [got] = shape_instance_vnics("cmp", "u", domain, PortIndex([port]))
    assert (got["id"], got["@type"], got["source_bridge"], got["port_id"]) == (
        "cmp-tap648437e1-0d", "ethernet", "br-int", port["id"])
    [unbound] = shape_instance_vnics("cmp", "u", domain, PortIndex([]))
    assert unbound["source_bridge"] is None and unbound["network"] is None


def test_host_pnic_of_the_captured_nic(fixture_text: Text) -> None:
    want = expected(fixture_text, "cli_fetch_host_pnics.host_pnic.json")
    ethtool = parse_ethtool(fixture_text("cli/generic/ethtool_eno16777728.txt"))
    iface = parse_ip_address_show(fixture_text("cli/generic/ip_address_show_ens32.txt"))
    [got] = shape_host_pnics("node-6.cisco.com", ["ens32"], iface, [ethtool])
    assert got["id"] == "ens32-00:50:56:99:2a:07" and got["state"] == "UP"
    assert got["IP Address"] == "10.56.20.211"
    captured = set(ethtool.attributes)  # the capture is the head of the same output
    assert captured == {"Supported ports", "Supported link modes", "Supported pause frame use"}
    for key in captured:
        assert got[key] == want[key], key


def test_linux_bridges_of_the_captured_host(fixture_text: Text) -> None:
    original = expected(fixture_text, "cli_fetch_vconnectors_ovs.json")
    bridges = parse_brctl_show(fixture_text("cli/ovs/brctl_show.txt"))
    docs = shape_linux_bridges("node-6.cisco.com", bridges, [], [])
    assert [(d["bridge_name"], d["bridge_id"], sorted(d["interfaces_names"])) for d in docs] == [
        (o["name"], o["id"], sorted(o["interfaces_names"])) for o in original]
    assert docs[0]["id"] == "node-6.cisco.com-br-ex-8000.005056acc9a2"
    assert all(d["stp_enabled"] is False for d in docs)


def test_hybrid_bridge_gets_its_ports_network_and_macs(fixture_text: Text) -> None:
    [qbr] = parse_brctl_show(fixture_text("cli/ovs/brctl_show.compute_hybrid.txt"))
    port = {"id": "f47c62b0-db4e-4c52-a5f1-3a3f7c4e1b2d", "mac_address": "fa:16:3e:00:00:01",
            "network_id": "net"}
    [doc] = shape_linux_bridges("cmp", [qbr], [port], [])
    assert doc["network"] == "net"
    assert {i["mac_address"] for i in doc["interfaces"].values()} == {"fa:16:3e:00:00:01"}


def test_ovs_vedge_of_the_captured_network_node(fixture_text: Text) -> None:
    [want] = expected(fixture_text, "db_fetch_vedges_ovs.json")
    show = parse_ovs_vsctl_show(fixture_text("cli/ovs/ovs-vsctl_show.txt"))
    datapath = parse_ovs_dpctl_show(fixture_text("cli/ovs/ovs-dpctl_show.txt"))
    agent = {"id": "1764430c-c09e-4717-86fa-c04350b1fcbb", "host": want["host"],
             "agent_type": want["agent_type"], "configurations": want["configurations"]}
    got = shape_vedge_ovs(want["host"], agent, show, datapath)
    assert got["name"] == want["name"] and got["ports"] == want["ports"]
    # only real tunnels are tunnel ports (the original also listed patch-int)
    assert all(p["type"] in ("vxlan", "gre", "geneve") for p in got["tunnel_ports"].values())


def test_ovs_firewall_compute_tunnel_ports(fixture_text: Text) -> None:
    show = parse_ovs_vsctl_show(fixture_text("cli/ovs/ovs-vsctl_show.compute_ovsfw.txt"))
    datapath = parse_ovs_dpctl_show(fixture_text("cli/ovs/ovs-dpctl_show.compute_ovsfw.txt"))
    got = shape_vedge_ovs("cmp", {"id": "a", "configurations": {}}, show, datapath)
    assert got["ports"]["vxlan_sys_4789"]["internal"] is False
    assert got["ports"]["tap648437e1-0d"]["tag"] == "3"
    assert got["tunnel_ports"] and all(
        p["options"].get("remote_ip") for p in got["tunnel_ports"].values())


def test_vpp_vedge_and_bridge_domain_of_the_captured_host(fixture_text: Text) -> None:
    [want] = expected(fixture_text, "cli_fetch_vedges_vpp.json")
    version = parse_vppctl_show_version(fixture_text("cli/vpp/vppctl_show_ver.txt"))
    interfaces = parse_vppctl_show_int(fixture_text("cli/vpp/vppctl_show_int.txt"))
    got = shape_vedge_vpp("ubuntu0", version, interfaces)
    for key in ("id", "name", "host", "agent_type", "binary", "ports"):
        assert got[key] == want[key], key
    [bd] = expected(fixture_text, "cli_fetch_vconnectors_vpp.json")
    modes = parse_vppctl_show_mode(fixture_text("cli/vpp/vppctl_show_mode.txt"))
    hardware = parse_vppctl_show_hardware(
        fixture_text("cli/vpp/vppctl_show_hardware-int_TenGigabitEthernetc-0-0.txt"))
    [doc] = shape_bridge_domains("ubuntu0", modes, hardware, [])
    assert (doc["id"], doc["name"], doc["bd_id"]) == (bd["id"], bd["name"], bd["bd_id"])
    assert sorted(doc["interfaces_names"]) == sorted(bd["interfaces_names"])
    assert doc["interfaces"]["TenGigabitEthernetc/0/0"]["mac_address"] == "00:25:b5:99:00:5c"


def test_otep_interface_from_the_captured_addresses(fixture_text: Text) -> None:
    want = expected(fixture_text, "db_fetch_oteps.json")
    interfaces = parse_ip_address_show(
        fixture_text("cli/generic/ip_address_show.br-mesh_excerpt.txt"))
    iface = interface_with_ip(interfaces, want["ip_address"])
    got = shape_otep(want["host"], want["ip_address"], "vxlan", 4789, list(want["ports"]),
                     iface)
    for key in ("id", "name", "host", "ip_address", "udp_port", "overlay_type", "vconnector"):
        assert got[key] == want[key], key
    assert got["ports"] == sorted(want["ports"])


def test_vpp_interface_addresses() -> None:
    text = ("TenGigabitEthernet5/0/0 (up):\n  L2 bridge bd-id 2 idx 1 shg 0  \n"
            "  L3 10.1.0.11/16\n  L3 2001:db8::b/64\n"
            "local0 (dn):\nVirtualEthernet0/0/0 (up):\n  L2 bridge bd-id 1 idx 2 shg 0  \n")
    uplink, local0, veth = parse_vppctl_show_int_addr(text)
    assert (uplink.ipv4, uplink.ipv6, uplink.bd_id) == (
        ("10.1.0.11/16",), ("2001:db8::b/64",), 2)
    assert (local0.state, local0.ipv4, local0.bd_id, veth.ipv4, veth.bd_id) == (
        "dn", (), None, (), 1)


def test_lxb_otep_from_the_captured_vxlan_device(fixture_text: Text) -> None:
    links = parse_ip_link_show(
        fixture_text("cli/lxb/ip_-d_link_show.compute_excerpt.txt", excerpt=True))
    devices = [i for i in links if i.vxlan is not None]
    fdb = parse_bridge_fdb_show(
        "00:00:00:00:00:00 dev vxlan-267 dst 172.16.0.21 self permanent\n"
        "fa:16:3e:fb:fe:e2 dev vxlan-267 dst 172.16.0.21 self permanent\n")
    got = shape_otep_lxb("compute1", "172.16.0.31", devices[0].vxlan.dstport, devices, fdb,
                         "eth0")
    assert (got["id"], got["udp_port"], got["ports"], got["vconnector"]) == (
        "compute1-otep", 8472, ["vxlan-267"], "compute1-eth0")
    assert got["interfaces"]["vxlan-267"]["bridge dst"] == ["172.16.0.21"]
    assert got["interfaces"]["vxlan-267"]["vni"] == 267


def test_bridges_neutron_did_not_make_are_kept_and_listed() -> None:
    agent = {"configurations": {"integration_bridge": "br-int",
                                "bridge_mappings": {"provider": "br-ex"}}}
    docs = [shape_ovs_bridge("cmp", name, [name], "0000aa", [])
            for name in ("br-int", "br-tun", "br-ex", "br-lab")]
    docs += shape_linux_bridges("cmp", [LinuxBridge("virbr0", "8000.1", "yes", ()),
                                        LinuxBridge("qbr12345678-9a", "8000.2", "no", ())],
                                [], [])
    mark_unrecognised(docs, known_bridges(agent), ("qbr",))
    assert unrecognised_summary(docs) == ["cmp: bridge 'br-lab'", "cmp: bridge 'virbr0'"]
