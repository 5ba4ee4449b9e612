"""ip address show / ip link show / ip -d link show, on every captured variant."""

from __future__ import annotations

import json

from calipso.fetchers.cli.parse.ip_address import (
    Interface,
    parse_ip_address_show,
    parse_ip_link_show,
)

QDHCP_LXB = "cli/generic/ip_netns_exec_qdhcp-c08e7dcd-4acb-4cd0-ad08-ebd3b48467ee"
QROUTER_LXB = "cli/generic/ip_netns_exec_qrouter-fa9a921e-7ff6-4468-a08b-5415cebeb089"


def by_name(interfaces: list[Interface]) -> dict[str, Interface]:
    return {iface.name: iface for iface in interfaces}


def test_single_interface_with_global_and_link_ipv6(fixture_text):
    [ens32] = parse_ip_address_show(fixture_text("cli/generic/ip_address_show_ens32.txt"))
    assert (ens32.index, ens32.name, ens32.peer) == (2, "ens32", None)
    assert ens32.flags == ("BROADCAST", "MULTICAST", "UP", "LOWER_UP")
    assert ens32.is_up and ens32.state == "UP" and ens32.mtu == 1500
    assert ens32.mac_address == "00:50:56:99:2a:07"
    [ipv4] = ens32.ipv4
    assert (ipv4.address, ipv4.prefix_len, ipv4.netmask, ipv4.cidr) == (
        "10.56.20.211", 24, "255.255.255.0", "10.56.20.0/24")
    assert ipv4.broadcast == "10.56.20.255" and ipv4.scope == "global" and ipv4.label == "ens32"
    assert [(a.with_prefix, a.scope) for a in ens32.ipv6] == [
        ("2001:420:4482:24c1:250:56ff:fe99:2a07/64", "global"),
        ("fe80::250:56ff:fe99:2a07/64", "link"),
    ]
    assert ens32.ipv6[0].flags == ("noprefixroute", "dynamic")
    assert len(ens32.data) == 8 and ens32.data[0].startswith("2: ens32:")


def test_substituted_namespace_output_lists_lo_and_eth0(fixture_text):
    text = fixture_text(
        "cli/generic/ip_netns_exec_qdhcp-8673c48a-f137-4497-b25d-08b7b218fd17_ip_address_show.txt")
    lo, eth0 = parse_ip_address_show(text)
    assert lo.name == "lo" and lo.link_type == "loopback" and lo.state == "UNKNOWN"
    assert lo.ipv4[0].cidr == "127.0.0.0/8" and lo.ipv6[0].with_prefix == "::1/128"
    assert eth0.mac_address == "00:50:56:ac:50:2a"
    assert eth0.ipv4[0].address == "10.56.20.80"


def test_dhcp_namespace_veth_with_metadata_address(fixture_text):
    ifaces = by_name(parse_ip_address_show(fixture_text(f"{QDHCP_LXB}_ip_addr_show.txt")))
    assert set(ifaces) == {"lo", "ns-e0bba9cc-3e"}
    ns = ifaces["ns-e0bba9cc-3e"]
    assert ns.peer == "if12" and ns.peer_ifindex == 12 and ns.link_netnsid == 0
    assert ns.mac_address == "fa:16:3e:fb:fe:e2" and ns.mtu == 1450
    assert [(a.address, a.netmask, a.cidr) for a in ns.ipv4] == [
        ("192.168.101.1", "255.255.255.0", "192.168.101.0/24"),
        ("169.254.169.254", "255.255.255.255", "169.254.169.254/32"),
    ]
    assert ns.ipv6[0].with_prefix == "fe80::f816:3eff:fefb:fee2/64"


def test_router_namespace_interfaces(fixture_text):
    ifaces = by_name(parse_ip_address_show(fixture_text(f"{QROUTER_LXB}_ip_addr_show.txt")))
    assert ifaces["qr-d8316879-dd"].ipv4[0].address == "192.168.101.254"
    assert ifaces["qr-d8316879-dd"].mac_address == "fa:16:3e:af:a9:e5"
    assert ifaces["qg-d8a9d7f6-47"].ipv4[0].cidr == "172.16.0.0/24"
    assert ifaces["qg-d8a9d7f6-47"].peer_ifindex == 16


def test_vservice_vnic_facts_match_the_expected_fetcher_result(fixture_text):
    """CliFetchVserviceVnics needs mac, IP, dotted netmask, cidr and the IPv6 with prefix.

    The lab's in-namespace output was not captured (only ifconfig text survives in the
    expected docs), so each expected vNIC is written back as ``ip address show`` text.
    """
    expected = json.loads(
        fixture_text("inventory/fetcher_results/cli_fetch_vservice_vnics.json"))
    assert expected
    for vnic in expected:
        prefix = sum(bin(int(part)).count("1") for part in vnic["netmask"].split("."))
        text = (
            f"9: {vnic['name']}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue "
            "state UNKNOWN group default qlen 1000\n"
            f"    link/ether {vnic['mac_address']} brd ff:ff:ff:ff:ff:ff\n"
            f"    inet {vnic['IP Address']}/{prefix} scope global {vnic['name']}\n"
            "       valid_lft forever preferred_lft forever\n"
            f"    inet6 {vnic['IPv6 Address']} scope link\n"
        )
        [iface] = parse_ip_address_show(text)
        assert iface.name == vnic["id"] and iface.mac_address == vnic["mac_address"]
        [ipv4] = iface.ipv4
        assert (ipv4.address, ipv4.netmask, ipv4.cidr) == (
            vnic["IP Address"], vnic["netmask"], vnic["cidr"])
        assert iface.ipv6[0].with_prefix == vnic["IPv6 Address"]


def test_namespace_link_show_names_veth_kind(fixture_text):
    for rel, names in [
        (f"{QDHCP_LXB}_ip_-d_link_show.txt", ["lo", "ns-e0bba9cc-3e"]),
        (f"{QROUTER_LXB}_ip_-d_link_show.txt", ["lo", "qr-d8316879-dd", "qg-d8a9d7f6-47"]),
    ]:
        ifaces = parse_ip_link_show(fixture_text(rel))
        assert [iface.name for iface in ifaces] == names
        assert ifaces[0].kind is None
        assert all(iface.kind == "veth" and iface.link_netnsid == 0 for iface in ifaces[1:])
        assert all(not iface.ipv4 for iface in ifaces)


def test_br_mesh_holds_the_tunnel_ip(fixture_text):
    """DbFetchOteps: the interface holding the tunneling IP names the OTEP's vconnector."""
    otep = json.loads(fixture_text("inventory/fetcher_results/db_fetch_oteps.json"))
    ifaces = parse_ip_address_show(fixture_text("cli/generic/ip_address_show.br-mesh_excerpt.txt"))
    holder = [i for i in ifaces if any(a.address == otep["ip_address"] for a in i.ipv4)]
    assert [f"{otep['host']}-{i.name}" for i in holder] == [otep["vconnector"]]
    assert holder[0].ipv6[0].flags == ("mngtmpaddr", "dynamic")


def test_lxb_controller_address_and_link_excerpts(fixture_text):
    for kind in ("dhcp", "router"):
        addr = by_name(parse_ip_address_show(
            fixture_text(f"cli/lxb/ip_address_show.controller_{kind}_excerpt.txt", excerpt=True)))
        link = by_name(parse_ip_link_show(
            fixture_text(f"cli/lxb/ip_-d_link_show.controller_{kind}_excerpt.txt", excerpt=True)))
        assert set(addr) == set(link)
        for name, iface in addr.items():
            assert iface.mac_address == link[name].mac_address
            assert iface.master == link[name].master
        vxlan = link["vxlan-267"]
        assert vxlan.kind == "vxlan" and vxlan.slave_kind == "bridge_slave"
        assert vxlan.master == "brqc08e7dcd-4a" and vxlan.state == "UNKNOWN"
        assert vxlan.vxlan is not None
        assert (vxlan.vxlan.vni, vxlan.vxlan.local, vxlan.vxlan.dev, vxlan.vxlan.dstport) == (
            267, "172.16.0.11", "eth0", 8472)
        assert vxlan.vxlan.remote is None and not vxlan.vxlan.external
        bridge = link["brqc08e7dcd-4a"]
        assert bridge.kind == "bridge" and bridge.bridge is not None
        assert bridge.bridge.stp_state == 0 and bridge.master is None
    taps = by_name(parse_ip_link_show(
        fixture_text("cli/lxb/ip_-d_link_show.controller_router_excerpt.txt", excerpt=True)))
    tap = taps["tapd8a9d7f6-47"]
    assert tap.peer_ifindex == 3 and tap.kind == "veth" and tap.master == "brq83a19a08-f0"
    assert tap.link_netns == "qrouter-fa9a921e-7ff6-4468-a08b-5415cebeb089"
    assert taps["eth2"].kind is None and taps["eth2"].slave_kind == "bridge_slave"


def test_lxb_compute_link_show(fixture_text):
    ifaces = by_name(parse_ip_link_show(
        fixture_text("cli/lxb/ip_-d_link_show.compute_excerpt.txt", excerpt=True)))
    assert ifaces["vxlan-267"].vxlan.local == "172.16.0.31"
    tap = ifaces["tap7a8c0a54-75"]
    assert tap.kind == "tun" and tap.master == "brqc08e7dcd-4a"
    assert tap.mac_address == "fe:16:3e:be:71:21"
    assert ifaces["brqc08e7dcd-4a"].bridge.bridge_id == "8000.1e:c5:d4:be:d4:71"


def test_ovs_compute_link_show(fixture_text):
    ifaces = by_name(parse_ip_link_show(fixture_text("cli/ovs/ip_-d_link_show.compute_ovsfw.txt")))
    assert len(ifaces) == 12
    assert ifaces["eth0"].kind is None and ifaces["eth0"].slave_kind is None
    assert ifaces["eth2"].master == "ovs-system"
    assert ifaces["eth2"].slave_kind == "openvswitch_slave"
    assert ifaces["br-int"].kind == "openvswitch" and ifaces["br-int"].mtu == 1450
    assert not ifaces["br-tun"].is_up and ifaces["br-tun"].state == "DOWN"
    sys_vxlan = ifaces["vxlan_sys_4789"].vxlan
    assert sys_vxlan is not None and sys_vxlan.external and sys_vxlan.dstport == 4789
    assert ifaces["tap648437e1-0d"].kind == "tun"


def test_vlan_device_and_remote_vxlan():
    text = (
        "7: eth2.101@eth2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue "
        "state UP mode DEFAULT group default qlen 1000\n"
        "    link/ether 00:15:5d:bf:ba:58 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 0 "
        "maxmtu 65535\n"
        "    vlan protocol 802.1Q id 101 <REORDER_HDR> addrgenmode eui64 numtxqueues 1\n"
        "8: vxlan-42: <BROADCAST,MULTICAST> mtu 1450 qdisc noop state DOWN mode DEFAULT\n"
        "    link/ether 6a:1d:00:00:00:01 brd ff:ff:ff:ff:ff:ff promiscuity 0\n"
        "    vxlan id 42 remote 10.0.0.2 local 10.0.0.1 dev eth0 srcport 0 0 dstport 4789 "
        "ttl auto ageing 300\n"
    )
    vlan, vxlan = parse_ip_link_show(text)
    assert vlan.name == "eth2.101" and vlan.peer == "eth2" and vlan.peer_ifindex is None
    assert vlan.kind == "vlan" and vlan.vlan is not None
    assert (vlan.vlan.vlan_id, vlan.vlan.protocol) == (101, "802.1Q")
    assert vxlan.vxlan is not None
    assert (vxlan.vxlan.remote, vxlan.vxlan.local, vxlan.vxlan.vni) == ("10.0.0.2", "10.0.0.1", 42)
    assert not vxlan.is_up


def test_point_to_point_and_secondary_addresses():
    text = (
        "5: tun0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1400 qdisc fq_codel state UNKNOWN\n"
        "    link/none \n"
        "    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0\n"
        "       valid_lft forever preferred_lft forever\n"
        "    inet 10.9.0.5/16 brd 10.9.255.255 scope global secondary tun0:1\n"
    )
    [tun] = parse_ip_address_show(text)
    assert tun.link_type == "none" and tun.mac_address is None
    first, second = tun.ipv4
    assert (first.address, first.peer, first.prefix_len) == ("10.8.0.1", "10.8.0.2/32", 32)
    assert (second.cidr, second.label, second.flags) == ("10.9.0.0/16", "tun0:1", ("secondary",))
