"""The simulated outputs have the line formats of the real captures in ../shared/fixtures/cli.

For each command family, a table of line patterns: every line of every capture must match
one (so the table describes the real format), and so must every line the simulator prints
for every driver. The libvirt XML is compared by element structure.
"""

from __future__ import annotations

import re

import pytest
import xmltodict
from shared_fixtures import shared_fixture

from calipso.sim import Cloud, generate, spec_from_flags
from calipso.sim.ssh.commands import HostTools
from calipso.sim.ssh.shell import Shell

_HEADER = (r"^\d+: [^\s:@]+(@[^\s:]+)?: <[A-Z_,]*> mtu \d+ qdisc \S+( master \S+)? "
           r"state [A-Z]+( mode DEFAULT)?( group default)?( qlen \d+)?$")
_LINK = (r"^    link/(ether|loopback) [0-9a-f:]{17} brd [0-9a-f:]{17}"
         r"( link-netns \S+| link-netnsid \d+)?")
IP_ADDRESS = [
    _HEADER, _LINK + "$",
    r"^    inet [\d.]+/\d+( brd [\d.]+)? scope (global|host|link) \S+$",
    r"^    inet6 [0-9a-f:]+/\d+ scope (global|link|host)( [a-z]+)*$",
    r"^       valid_lft (forever|\d+sec) preferred_lft (forever|\d+sec)$",
]
IP_DETAILS = [
    _HEADER,
    _LINK + r" promiscuity \d+  allmulti \d+ minmtu \d+ maxmtu \d+( addrgenmode \S+ .*)?$",
    r"^    (veth|openvswitch|tun type tap .*|vxlan .* dstport \d+ .*|bridge forward_delay .*"
    r"|vlan protocol 802.1Q id \d+ .*|bond mode .*)( addrgenmode \S+ .*)?$",
    r"^    (bridge_slave|openvswitch_slave|bond_slave)( .*)?$",
]
_NAME = r'("?)[\w.-]+\1'
OVS_VSCTL = [
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    r'^    Manager "[^"]+"$', r"^ {8}( {4})?is_connected: (true|false)$",
    rf"^    Bridge {_NAME}$", r'^        Controller "[^"]+"$',
    r"^        fail_mode: (secure|standalone)$", r"^        datapath_type: \w+$",
    rf"^        Port {_NAME}$", r"^            tag: \d+$", rf"^            Interface {_NAME}$",
    r"^                type: \w+$", r"^                options: \{(\S+=\S+(, )?)+\}$",
    r'^                error: ".*"$', r'^    ovs_version: "[\d.]+"$',
]
OVS_DPCTL = [r"^system@ovs-system:$",
             r"^\s+(lookups|flows|masks|cache|caches|masks-cache):( .*)?$",
             r"^\s+port \d+: [\w.-]+( \((internal|vxlan(: \S+)?)\))?$"]
BRCTL = [r"^bridge name\s+bridge id\s+STP enabled\s+interfaces$",
         r"^\S+\t*\s+[0-9a-f]{4}\.[0-9a-f]{12}\s+(yes|no)(\s+\S+)?$", r"^\s+[\w.-]+$"]
VIRSH_LIST = [r"^ Id\s+\S+\s+\S+$", r"^-+$", r"^ \d+\s+instance-[0-9a-f]{8}\s+\S+$"]
NETNS = [r"^[\w-]+( \(id: \d+\))?$"]
SYS_CLASS_NET = [r"^lrwxrwxrwx 1 root( root)? 0 \w{3} [ \d]\d \d\d:\d\d \S+ -> "
                 r"\.\./\.\./devices/\S+/net/\S+$"]
ETHTOOL = [r"^Settings for \S+:$", r"^\t[A-Z][\w -]+:( .*)?$", r"^\t\s+\S.*$"]
OS_RELEASE = [r'^[A-Z_]+=(".*"|\S*)$']
VPP_INT = [r"^\s+Name\s+Idx\s+State\s+(MTU \(L3/IP4/IP6/MPLS\)\s+)?Counter\s+Count\s*$",
           r"^\S+\s+\d+\s+(up|down)(\s+\d+/\d+/\d+/\d+)?(\s+[a-z][a-z -]*?\s+\d+)?\s*$",
           r"^\s+[a-z][a-z -]*?\s+\d+$"]
VPP_MODE = [r"^l3 \S+\s*$", r"^l2 bridge \S+ bd_id \d+ shg \d+$"]
VPP_HW = [r"^\s+Name\s+Idx\s+Link\s+Hardware$", r"^\S+\s+\d+\s+(up|down)\s+\S+$",
          r"^ {2,}\S.*$", r"^$"]
VPP_VER = [r"^vpp v\S+ built by \S+ on \S+ at .+$"]

DHCP_NS = "generic/ip_netns_exec_qdhcp-c08e7dcd-4acb-4cd0-ad08-ebd3b48467ee"
ROUTER_NS = "generic/ip_netns_exec_qrouter-fa9a921e-7ff6-4468-a08b-5415cebeb089"

# family: (capture files, patterns, simulator command, drivers that run it)
FAMILIES = {
    "ip address": (["generic/ip_address_show_ens32.txt",
                    "generic/ip_address_show.br-mesh_excerpt.txt",
                    f"{DHCP_NS}_ip_addr_show.txt", f"{ROUTER_NS}_ip_addr_show.txt",
                    "lxb/ip_address_show.controller_dhcp_excerpt.txt",
                    "lxb/ip_address_show.controller_router_excerpt.txt"],
                   IP_ADDRESS, "ip address show", "ovs lxb vpp"),
    "ip -d link": (["ovs/ip_-d_link_show.compute_ovsfw.txt",
                    "lxb/ip_-d_link_show.compute_excerpt.txt",
                    "lxb/ip_-d_link_show.controller_dhcp_excerpt.txt",
                    "lxb/ip_-d_link_show.controller_router_excerpt.txt",
                    f"{DHCP_NS}_ip_-d_link_show.txt", f"{ROUTER_NS}_ip_-d_link_show.txt"],
                   IP_DETAILS, "ip -d link show", "ovs lxb vpp"),
    "ovs-vsctl show": (["ovs/ovs-vsctl_show.compute_ovsfw.txt",
                        "ovs/ovs-vsctl_show.compute_hybrid.txt", "ovs/ovs-vsctl_show.txt"],
                       OVS_VSCTL, "ovs-vsctl show", "ovs"),
    "ovs-dpctl show": (["ovs/ovs-dpctl_show.compute_ovsfw.txt", "ovs/ovs-dpctl_show.txt"],
                       OVS_DPCTL, "ovs-dpctl show", "ovs"),
    "brctl show": (["ovs/brctl_show.txt", "ovs/brctl_show.compute_hybrid.txt"], BRCTL,
                   "brctl show", "ovs lxb"),
    "virsh list": (["generic/virsh_list.txt", "lxb/virsh_list.compute.txt"], VIRSH_LIST,
                   "virsh list", "ovs lxb vpp"),
    "ip netns": (["generic/ip_netns_list.txt",
                  "generic/ip_netns.lxb_controller_qdhcp_excerpt.txt"],
                 NETNS, "ip netns list", "ovs lxb vpp"),
    "sys/class/net": (["generic/ls_-l_sys_class_net.txt"], SYS_CLASS_NET,
                      'ls -l /sys/class/net | grep ^l | grep -v "/virtual/"', "ovs"),
    "ethtool": (["generic/ethtool_eno16777728.txt"], ETHTOOL, "ethtool eth1", "ovs"),
    "os-release": (["generic/cat_etc_os-release.txt"], OS_RELEASE,
                   'cat /etc/os-release && echo "ARCHITECURE=`arch`"', "ovs"),
    "vppctl show int": (["vpp/vppctl_show_int.txt"], VPP_INT, "vppctl show int", "vpp"),
    "vppctl show mode": (["vpp/vppctl_show_mode.txt"], VPP_MODE, "vppctl show mode", "vpp"),
    "vppctl show hardware": (["vpp/vppctl_show_hardware-int_TenGigabitEthernetc-0-0.txt"],
                             VPP_HW, "vppctl show hardware-int", "vpp"),
    "vppctl show ver": (["vpp/vppctl_show_ver.txt"], VPP_VER, "vppctl show ver", "vpp"),
}


def capture_lines(rel: str) -> list[str]:
    text = shared_fixture(f"cli/{rel}").read_text(encoding="utf-8")
    if text.startswith("(...)\n"):  # editorial marker of published excerpts
        text = text.split("\n", 2)[2]
    return text.splitlines()


def unmatched(lines: list[str], patterns: list[str]) -> list[str]:
    compiled = [re.compile(p) for p in patterns]
    return [line for line in lines if not any(p.match(line) for p in compiled)]


@pytest.fixture(scope="module")
def clouds() -> dict[str, Cloud]:
    return {driver: generate(spec_from_flags(
        hosts={"combined": 1, "computes": 2}, instances=4, networks=2, driver=driver,
        type_driver=type_driver, bonds=1, seed=3))
        for driver, type_driver in (("ovs", "vxlan"), ("lxb", "vxlan"), ("vpp", "vlan"))}


def sim_lines(cloud: Cloud, command: str) -> list[str]:
    lines: list[str] = []
    for host in cloud.hosts:
        tools = HostTools(cloud, host)
        result = Shell(tools, tools.read_file).run(command)
        if result.exit_status == 127:
            continue
        lines += result.stdout.splitlines()
        for ns in cloud.wiring(host).namespaces if command.startswith("ip ") else ():
            lines += Shell(tools, tools.read_file).run(f"ip netns exec {ns} {command}"
                                                       ).stdout.splitlines()
    return lines


@pytest.mark.parametrize("family", list(FAMILIES))
def test_capture_and_simulator_lines_share_the_format(family: str,
                                                      clouds: dict[str, Cloud]) -> None:
    captures, patterns, command, drivers = FAMILIES[family]
    for rel in captures:
        assert unmatched(capture_lines(rel), patterns) == [], rel  # the table is right
    for driver in drivers.split():
        lines = sim_lines(clouds[driver], command)
        assert lines, (driver, command)
        assert unmatched(lines, patterns) == [], (driver, command)


def _children(element: dict) -> set[str]:
    return {key for key in element if not key.startswith(("@", "#"))}


def test_domain_xml_has_the_captured_structure(clouds: dict[str, Cloud]) -> None:
    capture = xmltodict.parse(shared_fixture("cli/generic/virsh_dumpxml_38.txt").read_text(),
                              force_list=("interface",))["domain"]
    excerpts = [xmltodict.parse(shared_fixture(f"cli/{rel}").read_text())["interface"] for rel in (
        "lxb/virsh_dumpxml_3.interface_excerpt.txt",
        "ovs/virsh_dumpxml_1.interface_excerpt.compute_ovsfw.txt")]
    captured_iface = set().union(*(_children(i) for i in [*capture["devices"]["interface"],
                                                           *excerpts]))
    for driver, cloud in clouds.items():
        host = cloud.compute_hosts()[0].name
        tools = HostTools(cloud, host)
        text = Shell(tools, tools.read_file).run("virsh dumpxml 1").stdout
        domain = xmltodict.parse(text, force_list=("interface",))["domain"]
        assert _children(domain) == _children(capture), driver
        assert _children(domain["devices"]) <= _children(capture["devices"]), driver
        for iface in domain["devices"]["interface"]:
            assert {"mac", "model", "alias", "address"} <= _children(iface), driver
            assert _children(iface) <= captured_iface | {"virtualport"}, driver
