"""Host pNIC commands: ls -l /sys/class/net, ethtool, /proc/net/bonding."""

from __future__ import annotations

import json

import pytest

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.bonding import parse_bonding_list, parse_proc_net_bonding
from calipso.fetchers.cli.parse.ethtool import parse_ethtool
from calipso.fetchers.cli.parse.sys_class_net import parse_sys_class_net

# /proc/net/bonding/bond0 of an LACP bond as the kernel's bond_procfs prints it (no capture
# of this file exists in the shared fixtures).
LACP_BOND = """\
Ethernet Channel Bonding Driver: v5.15.0-91-generic

Bonding Mode: IEEE 802.3ad Dynamic link aggregation
Transmit Hash Policy: layer3+4 (1)
MII Status: up
MII Polling Interval (ms): 100
Up Delay (ms): 0
Down Delay (ms): 0
Peer Notification Delay (ms): 0

802.3ad info
LACP active: on
LACP rate: fast
Min links: 0
Aggregator selection policy (ad_select): stable
System priority: 65535
System MAC address: 3c:fd:fe:a1:b2:c0
Active Aggregator Info:
\tAggregator ID: 1
\tNumber of ports: 2
\tActor Key: 15
\tPartner Key: 32773
\tPartner Mac Address: 00:23:04:ee:be:64

Slave Interface: eno1
MII Status: up
Speed: 10000 Mbps
Duplex: full
Link Failure Count: 0
Permanent HW addr: 3c:fd:fe:a1:b2:c0
Slave queue ID: 0
Aggregator ID: 1
details actor lacp pdu:
    system priority: 65535
    port key: 15
    port state: 63
details partner lacp pdu:
    system priority: 32667
    port state: 61

Slave Interface: eno2
MII Status: down
Speed: Unknown
Duplex: Unknown
Link Failure Count: 1
Permanent HW addr: 3C:FD:FE:A1:B2:C1
Slave queue ID: 0
Aggregator ID: 2
"""

ACTIVE_BACKUP_BOND = """\
Ethernet Channel Bonding Driver: v3.7.1 (April 27, 2011)

Bonding Mode: fault-tolerance (active-backup)
Primary Slave: None
Currently Active Slave: eth0
MII Status: up
MII Polling Interval (ms): 100
Up Delay (ms): 0
Down Delay (ms): 0
ARP IP target/s (n.n.n.n form):

Slave Interface: eth0
MII Status: up
Speed: 1000 Mbps
Duplex: full
Link Failure Count: 0
Permanent HW addr: 52:54:00:2a:6b:8a
Slave queue ID: 0
"""


def test_sys_class_net_lists_physical_nics(fixture_text):
    names = parse_sys_class_net(fixture_text("cli/generic/ls_-l_sys_class_net.txt"))
    assert names == ["eno16777728", "eno33554952"]


def test_sys_class_net_unfiltered_listing_drops_virtual_devices():
    text = (
        "total 0\n"
        "-rw-r--r-- 1 root root 4096 Jul  5 17:17 bonding_masters\n"
        "lrwxrwxrwx 1 root root 0 Jul  5 17:17 br-int -> ../../devices/virtual/net/br-int\n"
        "lrwxrwxrwx 1 root root 0 Jul  5 17:17 eth0 -> "
        "../../devices/pci0000:00/0000:00:03.0/net/eth0\n"
        "lrwxrwxrwx 1 root root 0 Jul  5 17:17 lo -> ../../devices/virtual/net/lo\n"
    )
    assert parse_sys_class_net(text) == ["eth0"]
    assert parse_sys_class_net("") == []


def test_ethtool_excerpt_matches_expected_host_pnic(fixture_text):
    settings = parse_ethtool(fixture_text("cli/generic/ethtool_eno16777728.txt"))
    expected = json.loads(
        fixture_text("inventory/fetcher_results/cli_fetch_host_pnics.host_pnic.json"))
    assert settings.interface == expected["local_name"] == "eno16777728"
    assert set(settings.attributes) == {
        "Supported ports", "Supported link modes", "Supported pause frame use"}
    for key, value in settings.attributes.items():
        assert value == expected[key]


def test_ethtool_full_output_one_line_and_multi_line_values():
    text = (
        "Settings for eth0:\n"
        "\tSupported ports: [ TP ]\n"
        "\tAdvertised link modes:  10baseT/Half 10baseT/Full\n"
        "\t                        1000baseT/Full\n"
        "\tSpeed: 1000Mb/s\n"
        "\tDuplex: Full\n"
        "\tCurrent message level: 0x00000007 (7)\n"
        "\t\t\t       drv probe link\n"
        "\tLink detected: yes\n"
    )
    attrs = parse_ethtool(text).attributes
    assert attrs["Speed"] == "1000Mb/s" and attrs["Link detected"] == "yes"
    assert attrs["Advertised link modes"] == ["10baseT/Half 10baseT/Full", "1000baseT/Full"]
    assert attrs["Current message level"] == ["0x00000007 (7)", "drv probe link"]


def test_bonding_list():
    assert parse_bonding_list("bond0\nbond1\n") == ["bond0", "bond1"]
    missing = "ls: cannot access '/proc/net/bonding/': No such file or directory\n"
    assert parse_bonding_list(missing) == []
    with pytest.raises(ParseError):
        parse_bonding_list("ls: cannot open directory '/proc/net/bonding/': Permission denied\n")


def test_lacp_bond_with_nested_info_sections_and_slaves():
    bond = parse_proc_net_bonding(LACP_BOND)
    assert bond.driver == "v5.15.0-91-generic"
    assert bond.mode == "IEEE 802.3ad Dynamic link aggregation" and bond.mii_status == "up"
    assert bond.attributes["802.3ad info"]["LACP rate"] == "fast"
    assert bond.attributes["Active Aggregator Info"]["Partner Mac Address"] == (
        "00:23:04:ee:be:64")
    assert [slave.name for slave in bond.slaves] == ["eno1", "eno2"]
    eno1, eno2 = bond.slaves
    assert eno1.permanent_mac == "3c:fd:fe:a1:b2:c0" and eno1.mii_status == "up"
    assert eno1.attributes["details actor lacp pdu"] == {
        "system priority": "65535", "port key": "15", "port state": "63"}
    assert eno1.attributes["details partner lacp pdu"]["port state"] == "61"
    assert eno2.permanent_mac == "3c:fd:fe:a1:b2:c1" and eno2.mii_status == "down"
    assert bond.active_slave is None


def test_active_backup_bond():
    bond = parse_proc_net_bonding(ACTIVE_BACKUP_BOND)
    assert bond.active_slave == "eth0" and bond.attributes["Primary Slave"] == "None"
    assert bond.attributes["ARP IP target/s (n.n.n.n form)"] == ""
    assert [(s.name, s.permanent_mac) for s in bond.slaves] == [("eth0", "52:54:00:2a:6b:8a")]
