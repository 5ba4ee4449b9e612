"""vppctl show ver / show int / show mode / show hardware-int."""

from __future__ import annotations

import json

from calipso.fetchers.cli.parse.vpp import (
    parse_vppctl_show_hardware,
    parse_vppctl_show_int,
    parse_vppctl_show_mode,
    parse_vppctl_show_version,
)


def test_version_and_interfaces_give_the_expected_vedge(fixture_text):
    [expected] = json.loads(fixture_text("inventory/fetcher_results/cli_fetch_vedges_vpp.json"))
    version = parse_vppctl_show_version(fixture_text("cli/vpp/vppctl_show_ver.txt"))
    assert version.binary == expected["binary"]
    assert (version.built_by, version.built_on) == ("localadmin", "ubuntu0")
    assert version.built_at == "Sun Jun 26 16:35:15 PDT 2016"
    interfaces = parse_vppctl_show_int(fixture_text("cli/vpp/vppctl_show_int.txt"))
    ports = {i.name: {"id": str(i.index), "name": i.name, "state": i.state} for i in interfaces}
    assert ports == expected["ports"]
    ten_gig = interfaces[0]
    assert ten_gig.counters["rx packets"] == 502022 and ten_gig.counters["rx-miss"] == 64525
    assert len(ten_gig.counters) == 7 and ten_gig.mtu is None
    assert interfaces[2].counters == {}


def test_show_mode_gives_the_expected_bridge_domain(fixture_text):
    [expected] = json.loads(
        fixture_text("inventory/fetcher_results/cli_fetch_vconnectors_vpp.json"))
    modes = parse_vppctl_show_mode(fixture_text("cli/vpp/vppctl_show_mode.txt"))
    assert len(modes) == 16
    members = [m.interface for m in modes if m.kind == "bridge" and m.bd_id == 5678]
    assert members == expected["interfaces_names"]
    assert str(modes[5].bd_id) == expected["bd_id"] and modes[5].shg == 0
    l3 = [m.interface for m in modes if m.layer == "l3"]
    assert l3 == ["local0", "pg/stream-0", "pg/stream-1", "pg/stream-2", "pg/stream-3",
                  "TenGigabitEthernetd/0/0"]


def test_hardware_interface(fixture_text):
    [nic] = parse_vppctl_show_hardware(
        fixture_text("cli/vpp/vppctl_show_hardware-int_TenGigabitEthernetc-0-0.txt"))
    assert (nic.name, nic.index, nic.link, nic.hardware) == (
        "TenGigabitEthernetc/0/0", 5, "up", "TenGigabitEthernetc/0/0")
    assert nic.mac_address == "00:25:b5:99:00:5c"
    assert "Cisco VIC" in nic.details


def test_modern_vpp_outputs():
    version = parse_vppctl_show_version(
        "vpp v23.10-release built by root on 6b5d2f2e4f6c at 2023-10-25T18:05:54\n")
    assert version.binary == "vpp v23.10-release"
    assert parse_vppctl_show_version("vpp v1.0\n").built_by is None
    interfaces = parse_vppctl_show_int(
        "              Name               Idx    State  MTU (L3/IP4/IP6/MPLS)     Counter"
        "          Count\n"
        "GigabitEthernet0/8/0              1      up          9000/0/0/0     rx packets"
        "                  3\n"
        "                                                                    drops"
        "                       3\n"
        "local0                            0     down          0/0/0/0\n"
    )
    assert [(i.name, i.mtu, i.counters) for i in interfaces] == [
        ("GigabitEthernet0/8/0", "9000/0/0/0", {"rx packets": 3, "drops": 3}),
        ("local0", "0/0/0/0", {}),
    ]
    hardware = parse_vppctl_show_hardware(
        "              Name                Idx   Link  Hardware\n"
        "GigabitEthernet0/8/0               1     up   GigabitEthernet0/8/0\n"
        "  Link speed: 1 Gbps\n"
        "  Ethernet address 08:00:27:AB:CD:EF\n"
        "VirtualEthernet0/0/8              15     up   VirtualEthernet0/0/8\n"
        "  Ethernet address fa:16:3e:d1:98:73\n"
        "local0                             0    down  local0\n"
        "  local\n"
    )
    assert [(h.name, h.index, h.mac_address) for h in hardware] == [
        ("GigabitEthernet0/8/0", 1, "08:00:27:ab:cd:ef"),
        ("VirtualEthernet0/0/8", 15, "fa:16:3e:d1:98:73"),
        ("local0", 0, None),
    ]
    [xconnect] = parse_vppctl_show_mode("l2 xconnect GigabitEthernet0/8/0 loop0\n")
    assert (xconnect.kind, xconnect.xconnect_peer, xconnect.bd_id) == (
        "xconnect", "loop0", None)
    [bvi] = parse_vppctl_show_mode("l2 bridge loop0 bd_id 10 shg 0 bvi\n")
    assert bvi.bvi and bvi.bd_id == 10
