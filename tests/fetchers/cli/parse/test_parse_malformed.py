"""Output a parser does not understand raises ParseError naming that parser, never ''.

One table for every parser: error messages the commands print instead of their output,
truncated or garbled lines, and numbers that are not numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.bonding import parse_bonding_list, parse_proc_net_bonding
from calipso.fetchers.cli.parse.brctl import parse_brctl_show
from calipso.fetchers.cli.parse.bridge_fdb import parse_bridge_fdb_show
from calipso.fetchers.cli.parse.ethtool import parse_ethtool
from calipso.fetchers.cli.parse.ip_address import parse_ip_address_show, parse_ip_link_show
from calipso.fetchers.cli.parse.netns import parse_ip_netns_list
from calipso.fetchers.cli.parse.os_release import parse_os_release
from calipso.fetchers.cli.parse.ovn import (
    parse_bridge_mappings,
    parse_ovs_external_ids,
    parse_ovsdb_json,
    parse_ovsdb_json_tables,
)
from calipso.fetchers.cli.parse.ovs import (
    parse_ovs_dpctl_show,
    parse_ovs_vsctl_list_ifaces,
    parse_ovs_vsctl_show,
    parse_ovsdb_map,
)
from calipso.fetchers.cli.parse.ovs_list import parse_ovs_vsctl_list
from calipso.fetchers.cli.parse.sys_class_net import parse_sys_class_net
from calipso.fetchers.cli.parse.virsh import (
    parse_virsh_dumpxml,
    parse_virsh_interface_xml,
    parse_virsh_list,
)
from calipso.fetchers.cli.parse.vpp import (
    parse_vppctl_show_hardware,
    parse_vppctl_show_int,
    parse_vppctl_show_int_addr,
    parse_vppctl_show_mode,
    parse_vppctl_show_version,
)

LINK = "2: eth0: <UP> mtu 1500\n    link/ether 00:11:22:33:44:55\n"
OVS_UUID = "3b12f08e-4e13-4976-8da5-23314b268805\n"
BRCTL_HEADER = "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n"
BOND_BANNER = "Ethernet Channel Bonding Driver: v3.7.1\n\n"
VIRSH_HEADER = " Id Name State\n---------\n"
VPP_INT_HEADER = "   Name   Idx   State   Counter   Count\n"

# (parser, output, text expected in the reason)
CASES: list[tuple[Callable[[str], Any], str, str]] = [
    (parse_ip_address_show, "", "empty output"),
    (parse_ip_address_show, 'Device "eth9" does not exist.\n', "not an interface header"),
    (parse_ip_address_show, "    link/ether 00:11:22:33:44:55\n", "indented line before"),
    (parse_ip_address_show, "2: eth0: <UP> mtu 1500\n    inet 10.0.0.1/24 scope global\n",
     "link/ line"),
    (parse_ip_address_show, LINK + "    inet 10.0.0.300/24 scope global eth0\n",
     "bad IPv4 address"),
    (parse_ip_address_show, LINK + "    inet 10.0.0.3/xx scope global eth0\n", "prefix length"),
    (parse_ip_address_show, LINK + "    inet6 zz::1/64\n", "bad IPv6 address"),
    (parse_ip_address_show, "2: eth0: <UP> mtu big\n    link/ether 00:11:22:33:44:55\n",
     "mtu is not a number"),
    (parse_ip_link_show, LINK + "    vlan protocol 802.1Q <REORDER_HDR>\n", "without id"),
    (parse_ip_link_show, LINK + "    vxlan id 267 dstport high\n", "dstport is not a number"),
    (parse_sys_class_net, "lrwxrwxrwx 1 root root 0 Jul  5 17:17 eth0\n", "symlink"),
    (parse_ethtool, "", "empty output"),
    (parse_ethtool, "Cannot get device settings: No such device\n", "Settings for"),
    (parse_ethtool, "Settings for eth0:\nSpeed: 10\n", "unindented"),
    (parse_ethtool, "Settings for eth0:\n\tno colon here\n", "Key: value"),
    (parse_bonding_list, "ls: cannot open directory '/proc/net/bonding/': Permission denied\n",
     "ls failed"),
    (parse_bonding_list, "bond0 bond1\n", "not a bond name"),
    (parse_proc_net_bonding, "", "Ethernet Channel Bonding Driver"),
    (parse_proc_net_bonding, "cat: /proc/net/bonding/bond9: No such file or directory\n",
     "Ethernet Channel Bonding Driver"),
    (parse_proc_net_bonding, BOND_BANNER + "this is not a key value line\n", "Key: value"),
    (parse_proc_net_bonding, BOND_BANNER + "Slave Interface:\n", "slave without a name"),
    (parse_brctl_show, "brctl: command not found\n", "header"),
    (parse_brctl_show, BRCTL_HEADER + "\t\ttap1\n", "one interface name"),
    (parse_brctl_show, BRCTL_HEADER + "br0 8000.1\n", "NAME ID STP"),
    (parse_brctl_show, BRCTL_HEADER + "br0 8000.1 no eth0\n\t a b\n", "one interface name"),
    (parse_bridge_fdb_show, "dev eth0 self permanent\n", "MAC address"),
    (parse_bridge_fdb_show, "33:33:00:00:00:01 self permanent\n", "without 'dev'"),
    (parse_bridge_fdb_show, "33:33:00:00:00:01 dev\n", "dev without a value"),
    (parse_bridge_fdb_show, "33:33:00:00:00:01 dev eth0 vlan x\n", "not a number"),
    (parse_ovs_vsctl_show, "", "empty output"),
    (parse_ovs_vsctl_show,
     "ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed\n", "uuid"),
    (parse_ovs_vsctl_show, "    Bridge br-int\n", "without a parent"),
    (parse_ovs_vsctl_show, OVS_UUID + "    Bridge br-int\n        Gadget x\n",
     "unknown bridge entry"),
    (parse_ovs_vsctl_show, OVS_UUID + "    Frobnicator x\n", "unknown entry"),
    (parse_ovs_vsctl_show, OVS_UUID + "    Bridge br-int\n        Port p\n            tag: many\n",
     "tag is not a number"),
    (parse_ovs_vsctl_show, OVS_UUID + "    Bridge br-int\n        Port p\n            Interface p\n"
     "                options: {peer}\n", "malformed map entry"),
    (parse_ovs_vsctl_show, OVS_UUID + "    Bridge\n", "without a name"),
    (parse_ovsdb_map, "peer=patch-int", "map"),
    (parse_ovs_dpctl_show, "  port 0: ovs-system (internal)\n", "before a datapath header"),
    (parse_ovs_dpctl_show, "system@ovs-system:\n  port x: eth0\n", "port N: NAME"),
    (parse_ovs_dpctl_show, "ovs-dpctl: no datapaths exist\n", "datapath header"),
    (parse_ovs_vsctl_list_ifaces, "ovs-vsctl: no bridge named br-x\n", "not an interface name"),
    (parse_ovs_vsctl_list, "ovs-vsctl: unknown table \"Interfac\"\n", "column : value"),
    (parse_ovs_vsctl_list, "name : a\nname : b\n", "column given twice"),
    (parse_ip_netns_list, "qdhcp-1 (id: x)\n", "NAME (id: N)"),
    (parse_ip_netns_list, "qdhcp-1 extra words\n", "NAME (id: N)"),
    (parse_ip_netns_list, "(...)\n", "NAME (id: N)"),
    (parse_os_release, "", "empty output"),
    (parse_os_release, "cat: /etc/os-release: No such file or directory\n", "KEY=value"),
    (parse_os_release, 'NAME="Ubuntu\n', "unterminated"),
    (parse_os_release, "# only a comment\n", "no KEY=value"),
    (parse_virsh_list, "", "empty output"),
    (parse_virsh_list, "error: failed to connect to the hypervisor\n", "dashed rule"),
    (parse_virsh_list, VIRSH_HEADER + " x instance-1 running\n", "ID NAME STATE"),
    (parse_virsh_list, VIRSH_HEADER + " 1 instance-1\n", "ID NAME STATE"),
    (parse_virsh_dumpxml, "", "bad XML"),
    (parse_virsh_dumpxml, "error: failed to get domain '99'\n", "bad XML"),
    (parse_virsh_dumpxml, "<domain><name>x</name></domain>", "without <uuid>"),
    (parse_virsh_dumpxml, "<domain type='kvm'><name>x</name><uuid>u", "bad XML"),
    (parse_virsh_dumpxml, "<network><name>default</name></network>", "no <domain>"),
    (parse_virsh_dumpxml, "<domain id='x'><name>a</name><uuid>u</uuid></domain>",
     "id is not a number"),
    (parse_virsh_interface_xml, "<disk type='file'/>", "no <interface>"),
    (parse_virsh_interface_xml, "<interface type='bridge'><mtu size='big'/></interface>",
     "mtu is not a number"),
    (parse_vppctl_show_version, "", "empty output"),
    (parse_vppctl_show_version, "clib_socket_init: connect: Connection refused\n", "vpp VERSION"),
    (parse_vppctl_show_int, "local0 0 down\n", "header"),
    (parse_vppctl_show_int, VPP_INT_HEADER + "local0 x down\n", "NAME IDX"),
    (parse_vppctl_show_int, VPP_INT_HEADER + "      rx packets 3\n", "before the first"),
    (parse_vppctl_show_int, VPP_INT_HEADER + "local0 0 down rx packets many\n", "COUNT"),
    (parse_vppctl_show_hardware, "   Name   Idx   Link  Hardware\nlocal0 0 down\n",
     "hardware column"),
    (parse_vppctl_show_mode, "l4 local0\n", "l2|l3"),
    (parse_vppctl_show_mode, "l2 bridge X bd_id x shg 0\n", "not a number"),
    (parse_vppctl_show_mode, "l2 bridge X shg 0\n", "without bd_id"),
    (parse_vppctl_show_mode, "l2 tunnel X\n", "bridge|xconnect"),
    (parse_vppctl_show_int_addr, "", "empty"),
    (parse_vppctl_show_int_addr, "show int: unknown input `addr'\n", "NAME (up|dn)"),
    (parse_vppctl_show_int_addr, "  L3 10.0.0.1/24\n", "before the first"),
    (parse_vppctl_show_int_addr, "eth0 (up):\n  L3 10.0.0.1\n", "ADDRESS/LEN"),
    (parse_vppctl_show_int_addr, "eth0 (up):\n  L2 bridge bd-id x idx 1\n", "not a number"),
    (parse_ovsdb_json, "ovn-nbctl: unix:/run/ovn/ovnnb_db.sock: database connection failed\n",
     "not JSON"),
    (parse_ovsdb_json, '{"data": []}\n', "headings and data"),
    (parse_ovsdb_json, '{"data": [["a"]], "headings": ["_uuid", "name"]}\n',
     "does not fit the headings"),
    (parse_ovsdb_json, '{"data": [], "headings": ["_uuid"]}\n' * 2, "expected one table"),
    (parse_ovsdb_json_tables, '{"data": [], "headings": ["_uuid"]}\novn-nbctl: no row\n',
     "not JSON"),
    (parse_ovsdb_json_tables, '{"data": [], "headings": ["_uuid"]}\n[1]\n',
     "headings and data"),
    (parse_ovs_external_ids, "", "expected one"),
    (parse_ovs_external_ids, "{a=b}\n{c=d}\n", "expected one"),
    (parse_bridge_mappings, "physnet1:br-ex,br-vlan", "physnet:bridge"),
]


@pytest.mark.parametrize(
    ("parser", "text", "reason"), CASES,
    ids=[f"{parser.__name__}-{pos}" for pos, (parser, _, _) in enumerate(CASES)],
)
def test_malformed_output_raises_parse_error(parser, text, reason):
    with pytest.raises(ParseError) as info:
        parser(text)
    assert info.value.parser == parser.__name__
    assert reason in info.value.reason


def test_excerpt_marker_is_not_command_output(fixture_text):
    with pytest.raises(ParseError) as info:
        parse_ip_link_show(fixture_text("cli/lxb/ip_-d_link_show.compute_excerpt.txt"))
    assert info.value.line == "(...)" and info.value.parser == "parse_ip_link_show"
