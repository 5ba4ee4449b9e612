"""The parsers against the real tools' output, not an imitation: userspace Open vSwitch,
bridge-utils and iproute2 on a network namespace this module builds like a Neutron host
without hybrid plug (br-int with an instance tap and a DHCP port, br-tun with a VXLAN
port, br-ex with its uplink) beside a Linux bridge host's pieces (a brq bridge, a tap and
the veth into a qdhcp namespace, a VXLAN device)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from real_host import RealHost, skip_reason

from calipso.fetchers.cli.cli_fetch_vconnectors_ovs import datapath_id, shape_ovs_bridge
from calipso.fetchers.cli.cli_fetch_vedges_ovs import shape_vedge_ovs, uplink_ports
from calipso.fetchers.cli.parse.brctl import parse_brctl_show
from calipso.fetchers.cli.parse.ip_address import parse_ip_address_show, parse_ip_link_show
from calipso.fetchers.cli.parse.netns import parse_ip_netns_list
from calipso.fetchers.cli.parse.ovs import (
    parse_ovs_dpctl_show,
    parse_ovs_vsctl_list_ifaces,
    parse_ovs_vsctl_show,
)
from calipso.fetchers.cli.parse.ovs_list import interface_ids, parse_ovs_vsctl_list

REASON = skip_reason()
pytestmark = [pytest.mark.skipif(REASON is not None, reason=REASON or ""),
              pytest.mark.timeout(120)]

PORT = {"id": "5551efc5-e1e4-45a9-a388-41914601b961", "mac_address": "fa:16:3e:c5:bb:8a",
        "network_id": "69c359b1-b02e-41f0-81a2-4b6c837009d7"}
DHCP_PORT = {"id": "3925bb9d-2344-4c1d-8a31-7d7a0e1d2c3b", "mac_address": "fa:16:3e:11:22:33"}
VM = "0a4a5e3c-1f51-4d36-9a8b-1a2b3c4d5e6f"
TAP = "tap" + PORT["id"][:11]
DHCP_TAP = "tap" + DHCP_PORT["id"][:11]
NET = "dcd1ba67-5b3e-409a-a990-8a536d8c2d32"
BRQ, LXB_TAP, NS_DEV = "brq" + NET[:11], "tap7303eb52-79", "ns-7303eb52-79"


def _ovs(host: RealHost) -> None:
    vsctl = host.vsctl
    for bridge in ("br-int", "br-tun", "br-ex"):
        vsctl("add-br", bridge, "--", "set", "bridge", bridge, "datapath_type=netdev")
    host.sh("ip", "tuntap", "add", TAP, "mode", "tap")  # what libvirt makes for a VM
    vsctl("add-port", "br-int", TAP, "tag=1", "--", "set", "Interface", TAP,
          f"external_ids:iface-id={PORT['id']}", f"external_ids:attached-mac={PORT['mac_address']}",
          "external_ids:iface-status=active", f"external_ids:vm-uuid={VM}")
    vsctl("add-port", "br-int", DHCP_TAP, "tag=1", "--", "set", "Interface", DHCP_TAP,
          "type=internal", f"external_ids:iface-id={DHCP_PORT['id']}",
          f"external_ids:attached-mac={DHCP_PORT['mac_address']}")
    vsctl("add-port", "br-int", "patch-tun", "--", "set", "Interface", "patch-tun",
          "type=patch", "options:peer=patch-int")
    vsctl("add-port", "br-tun", "patch-int", "--", "set", "Interface", "patch-int",
          "type=patch", "options:peer=patch-tun")
    vsctl("add-port", "br-tun", "vxlan-c0a8020b", "--", "set", "Interface", "vxlan-c0a8020b",
          "type=vxlan", "options:df_default=true", "options:in_key=flow",
          "options:local_ip=192.168.2.10", "options:out_key=flow",
          "options:remote_ip=192.168.2.11")
    host.sh("ip", "link", "add", "eth2", "type", "veth", "peer", "name", "eth2-wire")
    vsctl("add-port", "br-ex", "eth2")


def _linux_bridge(host: RealHost, qdhcp: str) -> None:
    sh = host.sh
    sh("ip", "link", "add", BRQ, "type", "bridge")
    sh("ip", "tuntap", "add", "tap0a0b0c0d-0e", "mode", "tap")
    sh("ip", "link", "set", "tap0a0b0c0d-0e", "master", BRQ)
    host.add_namespace(qdhcp)
    sh("ip", "link", "add", LXB_TAP, "type", "veth", "peer", "name", NS_DEV)
    sh("ip", "link", "set", LXB_TAP, "master", BRQ)
    sh("ip", "link", "set", NS_DEV, "netns", qdhcp)
    sh("ip", "address", "add", "10.128.0.2/24", "dev", NS_DEV, ns=qdhcp)
    sh("ip", "link", "set", NS_DEV, "up", ns=qdhcp)


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealHost]:
    with RealHost(tmp_path_factory.mktemp("ovs")) as made:
        made.qdhcp = f"qdhcp-{uuid.uuid4()}"  # type: ignore[attr-defined]
        _ovs(made)
        _linux_bridge(made, made.qdhcp)  # type: ignore[attr-defined]
        yield made


def test_brctl_show_of_a_host_without_bridges_is_empty(tmp_path: Path) -> None:
    with RealHost(tmp_path) as bare:
        text = bare.sh("brctl", "show")
    assert text == ""  # bridge-utils 1.7: not even the header
    assert parse_brctl_show(text) == []


def test_ovs_vsctl_show(host: RealHost) -> None:
    show = parse_ovs_vsctl_show(host.vsctl("show"))
    assert {b.name for b in show.bridges} == {"br-int", "br-tun", "br-ex"}
    br_int = show.bridge("br-int")
    assert br_int is not None and br_int.datapath_type == "netdev"
    ports = {p.name: p for p in br_int.ports}
    assert ports[TAP].tag == 1 and ports[DHCP_TAP].interfaces[0].type == "internal"
    assert ports["patch-tun"].interfaces[0].options == {"peer": "patch-int"}
    vxlan = show.bridge("br-tun").ports  # type: ignore[union-attr]
    options = next(p for p in vxlan if p.name == "vxlan-c0a8020b").interfaces[0].options
    assert options["remote_ip"] == "192.168.2.11" and options["in_key"] == "flow"


def test_external_ids_match_the_tap_to_its_neutron_port(host: RealHost) -> None:
    records = parse_ovs_vsctl_list(host.vsctl("--columns=name,external_ids", "list",
                                              "Interface"))
    ids = interface_ids(records)
    assert ids == {TAP: PORT["id"], DHCP_TAP: DHCP_PORT["id"]}
    names = parse_ovs_vsctl_list_ifaces(host.vsctl("list-ifaces", "br-int"))
    assert set(names) == {TAP, DHCP_TAP, "patch-tun"}
    mac = parse_ip_link_show(host.sh("ip", "link", "show", "br-int"))[0].mac_address
    doc = shape_ovs_bridge("node-1", "br-int", ["br-int", *names], datapath_id(mac),
                           [DHCP_PORT, PORT], ids)
    assert doc["interfaces"][TAP]["mac_address"] == PORT["mac_address"]
    assert doc["interfaces"][DHCP_TAP]["mac_address"] == DHCP_PORT["mac_address"]
    assert doc["interfaces"]["patch-tun"]["mac_address"] == ""
    # the datapath id OVS derived is the one the fetcher works out from the bridge's MAC
    [dpid] = host.vsctl("get", "bridge", "br-int", "datapath_id").split()
    assert doc["bridge_id"] == dpid.strip('"')


def test_the_datapath_and_the_vedge(host: RealHost) -> None:
    datapath = parse_ovs_dpctl_show(host.appctl("dpctl/show"))
    names = {p.name for p in datapath}
    assert {"br-int", "br-tun", "br-ex", TAP, DHCP_TAP, "eth2"} <= names
    show = parse_ovs_vsctl_show(host.vsctl("show"))
    agent = {"id": "agent-1", "configurations": {"bridge_mappings": {"physnet1": "br-ex"}}}
    assert uplink_ports(agent, show) == {"eth2"}
    vedge = shape_vedge_ovs("node-1", agent, show, datapath)
    assert vedge["ports"][TAP]["tag"] == "1"
    assert set(vedge["tunnel_ports"]) == {"vxlan-c0a8020b"}


def test_brctl_show_of_a_linux_bridge(host: RealHost) -> None:
    [bridge] = parse_brctl_show(host.sh("brctl", "show"))
    assert bridge.name == BRQ and bridge.bridge_id.startswith("8000.")
    assert set(bridge.interfaces) == {"tap0a0b0c0d-0e", LXB_TAP}


def test_ip_link_details_and_namespaces(host: RealHost) -> None:
    links = {i.name: i for i in parse_ip_link_show(host.sh("ip", "-d", "link", "show"))}
    assert links[BRQ].kind == "bridge" and links[BRQ].bridge is not None
    veth = links[LXB_TAP]
    assert veth.kind == "veth" and veth.master == BRQ and veth.slave_kind == "bridge_slave"
    assert veth.peer_ifindex is not None  # its ns- peer is in the qdhcp namespace
    assert links["br-int"].mac_address is not None
    qdhcp = host.qdhcp  # type: ignore[attr-defined]
    assert qdhcp in [n.name for n in parse_ip_netns_list(host.sh("ip", "netns", "list"))]
    inside = {i.name: i for i in parse_ip_address_show(
        host.sh("ip", "address", "show", ns=qdhcp))}
    assert [a.cidr for a in inside[NS_DEV].ipv4] == ["10.128.0.0/24"]
    assert inside[NS_DEV].peer_ifindex == veth.index
