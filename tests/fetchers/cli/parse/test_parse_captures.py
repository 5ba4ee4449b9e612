"""Every captured command output under shared/fixtures/cli is either parsed by the parser of
its command or named here as output no CLI fetcher reads. A new capture fails this test
until it is placed in one of the two tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from calipso.fetchers.cli.parse.brctl import parse_brctl_show
from calipso.fetchers.cli.parse.ethtool import parse_ethtool
from calipso.fetchers.cli.parse.ip_address import parse_ip_address_show, parse_ip_link_show
from calipso.fetchers.cli.parse.netns import parse_ip_netns_list
from calipso.fetchers.cli.parse.os_release import parse_os_release
from calipso.fetchers.cli.parse.ovs import parse_ovs_dpctl_show, parse_ovs_vsctl_show
from calipso.fetchers.cli.parse.sys_class_net import parse_sys_class_net
from calipso.fetchers.cli.parse.virsh import (
    parse_virsh_dumpxml,
    parse_virsh_interface_xml,
    parse_virsh_list,
)
from calipso.fetchers.cli.parse.vpp import (
    parse_vppctl_show_hardware,
    parse_vppctl_show_int,
    parse_vppctl_show_mode,
    parse_vppctl_show_version,
)

NS_DHCP = "generic/ip_netns_exec_qdhcp-c08e7dcd-4acb-4cd0-ad08-ebd3b48467ee"
NS_ROUTER = "generic/ip_netns_exec_qrouter-fa9a921e-7ff6-4468-a08b-5415cebeb089"

PARSED: dict[str, Callable[[str], Any]] = {
    "generic/cat_etc_os-release.txt": parse_os_release,
    "generic/ethtool_eno16777728.txt": parse_ethtool,
    "generic/ip_address_show.br-mesh_excerpt.txt": parse_ip_address_show,
    "generic/ip_address_show_ens32.txt": parse_ip_address_show,
    "generic/ip_netns.lxb_controller_qdhcp_excerpt.txt": parse_ip_netns_list,
    "generic/ip_netns.lxb_controller_qrouter_excerpt.txt": parse_ip_netns_list,
    "generic/ip_netns_exec_qdhcp-8673c48a-f137-4497-b25d-08b7b218fd17_ip_address_show.txt":
        parse_ip_address_show,
    f"{NS_DHCP}_ip_-d_link_show.txt": parse_ip_link_show,
    f"{NS_DHCP}_ip_addr_show.txt": parse_ip_address_show,
    f"{NS_ROUTER}_ip_-d_link_show.txt": parse_ip_link_show,
    f"{NS_ROUTER}_ip_addr_show.txt": parse_ip_address_show,
    "generic/ip_netns_list.txt": parse_ip_netns_list,
    "generic/ip_netns_list.variant2.txt": parse_ip_netns_list,
    "generic/ls_-l_sys_class_net.txt": parse_sys_class_net,
    "generic/virsh_dumpxml_38.txt": parse_virsh_dumpxml,
    "generic/virsh_list.txt": parse_virsh_list,
    "lxb/ip_-d_link_show.compute_excerpt.txt": parse_ip_link_show,
    "lxb/ip_-d_link_show.controller_dhcp_excerpt.txt": parse_ip_link_show,
    "lxb/ip_-d_link_show.controller_router_excerpt.txt": parse_ip_link_show,
    "lxb/ip_address_show.controller_dhcp_excerpt.txt": parse_ip_address_show,
    "lxb/ip_address_show.controller_router_excerpt.txt": parse_ip_address_show,
    "lxb/virsh_dumpxml_3.interface_excerpt.txt": parse_virsh_interface_xml,
    "lxb/virsh_list.compute.txt": parse_virsh_list,
    "ovs/brctl_show.compute_hybrid.txt": parse_brctl_show,
    "ovs/brctl_show.txt": parse_brctl_show,
    "ovs/ip_-d_link_show.compute_ovsfw.txt": parse_ip_link_show,
    "ovs/ovs-dpctl_show.compute_ovsfw.txt": parse_ovs_dpctl_show,
    "ovs/ovs-dpctl_show.txt": parse_ovs_dpctl_show,
    "ovs/ovs-vsctl_show.compute_hybrid.txt": parse_ovs_vsctl_show,
    "ovs/ovs-vsctl_show.compute_ovsfw.txt": parse_ovs_vsctl_show,
    "ovs/ovs-vsctl_show.txt": parse_ovs_vsctl_show,
    "ovs/virsh_dumpxml_1.interface_excerpt.compute_ovsfw.txt": parse_virsh_interface_xml,
    "vpp/vppctl_show_hardware-int_TenGigabitEthernetc-0-0.txt": parse_vppctl_show_hardware,
    "vpp/vppctl_show_int.txt": parse_vppctl_show_int,
    "vpp/vppctl_show_mode.txt": parse_vppctl_show_mode,
    "vpp/vppctl_show_ver.txt": parse_vppctl_show_version,
}

# Captured for reference, but no CLI fetcher runs these commands.
NOT_FETCHED = {
    "generic/ifconfig_eno16777728.txt",  # Calipso 1.0 only; 1.1+ reads `ip address show`
    f"{NS_DHCP}_ip_route_show.txt",
    f"{NS_ROUTER}_ip_route.txt",
    "lxb/openstack_network_agent_list.txt",  # an admin client table; agents come from MySQL
    "ovs/ovs-appctl_ofproto_list-tunnels.compute_ovsfw.txt",
    "ovs/ovs-ofctl_dump-flows_br-int.compute_ovsfw.txt",
    "ovs/ovs-ofctl_dump-flows_br-tun.compute_hybrid.txt",
    "ovs/ovs-ofctl_dump-flows_br-tun.compute_ovsfw.txt",
}


def test_every_capture_is_accounted_for(fixture_file):
    root = fixture_file("cli/generic/ip_netns_list.txt").parents[1]
    captured = {str(path.relative_to(root)) for path in root.rglob("*.txt")}
    assert captured == set(PARSED) | NOT_FETCHED


@pytest.mark.parametrize("rel", sorted(PARSED))
def test_capture_parses_to_something(rel, fixture_text):
    text = fixture_text(f"cli/{rel}")
    if text.startswith("(...)"):
        text = fixture_text(f"cli/{rel}", excerpt=True)
    assert PARSED[rel](text)
