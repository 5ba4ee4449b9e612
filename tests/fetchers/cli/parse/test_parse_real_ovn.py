"""The ML2/OVN parsers and shapes against the real tools: Debian's ovn-central and
ovn-host with userspace Open vSwitch, set up here as Neutron's OVN driver would: a
logical switch per network, a VM port bound to this chassis through the OVS
``iface-id`` of a br-int port, a metadata ``localport``, a router with an interface and a
gateway port whose gateway chassis is this one, the subnet's ``DHCP_Options`` row named by
the VM port, a second chassis (a Geneve tunnel to it) and a bridge mapping.
``CALIPSO_WRITE_CAPTURES=1`` also writes what the tools printed to
``tests/captures/ovn_real/`` (read by ``test_parse_ovn_captures.py``)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from real_ovn import RealOvn, skip_reason

from calipso.fetchers.cli.cli_fetch_host_vservices import DEFAULT_FOLDER_TEXTS
from calipso.fetchers.cli.cli_fetch_ovn_vservices import NB_TABLES, shape_dhcp_vservice
from calipso.fetchers.cli.cli_fetch_vedges_ovs import shape_vedge_ovs
from calipso.fetchers.cli.cli_fetch_vservice_vnics_ovn import shape_router_port_vnics
from calipso.fetchers.cli.ovn_central import (
    chassis_configurations,
    gateway_routers,
    local_dhcp,
    nb_command,
)
from calipso.fetchers.cli.parse.ovn import (
    as_list,
    parse_ovs_external_ids,
    parse_ovsdb_json,
    parse_ovsdb_json_tables,
)
from calipso.fetchers.cli.parse.ovs import parse_ovs_dpctl_show, parse_ovs_vsctl_show
from calipso.fetchers.cli.parse.ovs_list import interface_ids, parse_ovs_vsctl_list

REASON = skip_reason()
pytestmark = [pytest.mark.skipif(REASON is not None, reason=REASON or ""),
              pytest.mark.timeout(120)]

CAPTURES = Path(__file__).resolve().parents[3] / "captures" / "ovn_real"
CHASSIS, OTHER = "5d2c0a8e-6a3b-4f4e-9f47-1c2b3a4d5e6f", "9b1e7c4d-2f3a-4b5c-8d6e-7f8091a2b3c4"
NET, PUB = "c541013d-0326-424d-bb69-5ffb3a1890c7", "64c2f2e3-9403-460d-97da-e38d9d643c25"
ROUTER = "d20b5d59-db61-4487-889d-a11b62397bc7"
VM_PORT, META_PORT = "69d495dd-8135-4c53-b0e6-42f43328ad08", "83868a29-678a-4aa3-bb6f-e5078c5fe8f8"
RIF, GW = "c7038069-84c8-4999-a116-7d8fcf23cae8", "bd91a1b7-f03e-4ca7-a2dc-aa37f463b337"
SUBNET = "2b7a5c1e-44a0-4f3e-9c61-0d5e8f7a6b21"
DHCP = {"server_id": "10.128.0.1", "server_mac": "fa:16:3e:41:7e:09", "lease_time": "43200",
        "router": "10.128.0.1", "mtu": "1442", "dns_server": "{8.8.8.8, 1.1.1.1}",
        "classless_static_route": "{169.254.169.254/32,10.128.0.2, 0.0.0.0/0,10.128.0.1}"}
TAP = "tap" + VM_PORT[:11]
NB_DUMP = "ovn-nbctl_--format=json_list_NB_TABLES"  # the one call of CliFetchOvnVservices
COMMANDS = {  # capture file -> how to get it
    "ovn-nbctl_--format=json_list_Logical_Router": ("nb", "Logical_Router"),
    "ovn-nbctl_--format=json_list_Logical_Router_Port": ("nb", "Logical_Router_Port"),
    "ovn-nbctl_--format=json_list_Logical_Switch": ("nb", "Logical_Switch"),
    "ovn-nbctl_--format=json_list_Load_Balancer": ("nb", "Load_Balancer"),
    "ovn-sbctl_--format=json_list_Chassis": ("sb", "Chassis"),
    "ovn-sbctl_--format=json_list_Encap": ("sb", "Encap"),
    "ovn-sbctl_--format=json_list_Port_Binding": ("sb", "Port_Binding"),
}


def _northbound(ovn: RealOvn) -> None:
    nb = ovn.nbctl
    nb("ls-add", f"neutron-{NET}", "--", "set", "logical_switch", f"neutron-{NET}",
       "external_ids:neutron\\:network_name=net1")
    nb("lsp-add", f"neutron-{NET}", VM_PORT, "--", "lsp-set-addresses", VM_PORT,
       "fa:16:3e:7c:24:0d 10.128.0.3")
    nb("lsp-add", f"neutron-{NET}", META_PORT, "--", "lsp-set-type", META_PORT, "localport",
       "--", "lsp-set-addresses", META_PORT, "fa:16:3e:58:04:f9 10.128.0.2")
    nb("ls-add", f"neutron-{PUB}")
    nb("lr-add", f"neutron-{ROUTER}")
    for port, net, mac, cidr in ((RIF, NET, "fa:16:3e:8f:b5:26", "10.128.0.1/24"),
                                 (GW, PUB, "fa:16:3e:83:33:32", "203.0.113.2/24")):
        nb("lrp-add", f"neutron-{ROUTER}", f"lrp-{port}", mac, cidr, "--", "set",
           "logical_router_port", f"lrp-{port}",
           f"external_ids:neutron\\:network_name=neutron-{net}")
        nb("lsp-add", f"neutron-{net}", port, "--", "lsp-set-type", port, "router", "--",
           "lsp-set-addresses", port, "router", "--", "lsp-set-options", port,
           f"router-port=lrp-{port}")
    nb("lrp-set-gateway-chassis", f"lrp-{GW}", CHASSIS, "1")
    # Neutron's row for a subnet with DHCP, named by the VM port (not by the metadata port)
    nb("dhcp-options-create", "10.128.0.0/24", f"subnet_id={SUBNET}",
       "neutron:revision_number=1")
    [dhcp] = nb("dhcp-options-list").split()
    nb("dhcp-options-set-options", dhcp, *(f"{k}={v}" for k, v in DHCP.items()))
    nb("lsp-set-dhcpv4-options", VM_PORT, dhcp, "--", "set", "logical_switch_port", VM_PORT,
       f"external_ids:neutron\\:network_name=neutron-{NET}")


def _wait_bound(ovn: RealOvn, ports: set[str]) -> None:
    """ovn-controller claims the ports in its own time: wait until it has (or 20 s)."""
    for _ in range(200):
        rows = parse_ovsdb_json(ovn.sbctl("--format=json", "list", "Port_Binding"))
        bound = {r["logical_port"] for r in rows if as_list(r.get("chassis"))}
        if ports <= bound:
            return
        time.sleep(0.1)
    raise RuntimeError(f"ovn-controller did not bind {ports - bound}")


@pytest.fixture(scope="module")
def ovn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with RealOvn(tmp_path_factory.mktemp("ovn"), CHASSIS) as made:
        _northbound(made)
        made.sbctl("chassis-add", OTHER, "geneve", "127.0.0.2")
        made.vsctl("set", "open", ".", "external_ids:ovn-bridge-mappings=physnet1:br-ex",
                   "--", "add-br", "br-ex", "--", "set", "bridge", "br-ex",
                   "datapath_type=netdev")
        made.vsctl("add-port", "br-int", TAP, "--", "set", "Interface", TAP, "type=internal",
                   f"external_ids:iface-id={VM_PORT}")
        _wait_bound(made, {VM_PORT, f"cr-lrp-{GW}"})
        out = {name: (made.nbctl if db == "nb" else made.sbctl)("--format=json", "list", t)
               for name, (db, t) in COMMANDS.items()}
        out[NB_DUMP] = made.nbctl(*nb_command(NB_TABLES).split()[1:])
        out["ovs-vsctl_get_open_._external_ids"] = made.vsctl("get", "open", ".",
                                                              "external_ids")
        out["ovs-vsctl_show"] = made.vsctl("show")
        out["ovs-appctl_dpctl__show"] = made.appctl("dpctl/show")
        out["ovs-vsctl_--columns=name,external_ids_list_Interface"] = made.vsctl(
            "--columns=name,external_ids", "list", "Interface")
    if os.environ.get("CALIPSO_WRITE_CAPTURES") == "1":
        CAPTURES.mkdir(parents=True, exist_ok=True)
        for name, text in out.items():
            (CAPTURES / f"{name}.txt").write_text(text, encoding="utf-8")
    yield out


def test_chassis_and_encap(ovn: dict[str, str]) -> None:
    chassis = {r["name"]: r for r in parse_ovsdb_json(ovn["ovn-sbctl_--format=json_list_Chassis"])}
    assert set(chassis) == {CHASSIS, OTHER}
    assert chassis[CHASSIS]["hostname"] == "calipso-real-ovn"
    assert chassis[CHASSIS]["other_config"]["ovn-bridge-mappings"] == "physnet1:br-ex"
    encaps = {r["_uuid"]: r for r in parse_ovsdb_json(ovn["ovn-sbctl_--format=json_list_Encap"])}
    mine = encaps[as_list(chassis[CHASSIS]["encaps"])[0]]
    assert (mine["type"], mine["ip"], mine["chassis_name"]) == ("geneve", "127.0.0.1", CHASSIS)


def test_the_router_is_on_its_gateway_chassis(ovn: dict[str, str]) -> None:
    tables = {k: parse_ovsdb_json(v) for k, v in ovn.items() if k in COMMANDS}
    args = (tables["ovn-sbctl_--format=json_list_Chassis"],
            tables["ovn-sbctl_--format=json_list_Port_Binding"],
            tables["ovn-nbctl_--format=json_list_Logical_Router"],
            tables["ovn-nbctl_--format=json_list_Logical_Router_Port"])
    assert gateway_routers(CHASSIS, *args) == [ROUTER]
    assert gateway_routers(OTHER, *args) == []
    vservice = {"id": f"node-1-neutron-{ROUTER}", "local_service_id": f"neutron-{ROUTER}"}
    vnics = {v["name"]: v for v in shape_router_port_vnics("node-1", vservice, *args[2:])}
    assert set(vnics) == {f"lrp-{RIF}", f"lrp-{GW}"}
    rif = vnics[f"lrp-{RIF}"]
    assert (rif["mac_address"], rif["IP Address"], rif["cidr"], rif["netmask"]) == (
        "fa:16:3e:8f:b5:26", "10.128.0.1", "10.128.0.0/24", "255.255.255.0")
    assert (rif["network"], rif["port_id"]) == (NET, RIF)
    assert vnics[f"lrp-{GW}"]["network"] == PUB


def test_an_empty_table_is_no_rows(ovn: dict[str, str]) -> None:
    assert parse_ovsdb_json(ovn["ovn-nbctl_--format=json_list_Load_Balancer"]) == []
    switches = parse_ovsdb_json(ovn["ovn-nbctl_--format=json_list_Logical_Switch"])
    assert {s["name"] for s in switches} == {f"neutron-{NET}", f"neutron-{PUB}"}


def test_the_chassis_vedge(ovn: dict[str, str]) -> None:
    ids = parse_ovs_external_ids(ovn["ovs-vsctl_get_open_._external_ids"])
    conf = chassis_configurations(ids)
    assert conf == {"chassis_name": CHASSIS, "integration_bridge": "br-int",
                    "tunnel_bridge": "br-int", "tunneling_ip": "127.0.0.1",
                    "tunnel_types": ["geneve"], "bridge_mappings": {"physnet1": "br-ex"}}
    show = parse_ovs_vsctl_show(ovn["ovs-vsctl_show"])
    datapath = parse_ovs_dpctl_show(ovn["ovs-appctl_dpctl__show"])
    agent = {"id": CHASSIS, "binary": "ovn-controller", "configurations": conf}
    vedge = shape_vedge_ovs("node-1", agent, show, datapath, label="OVN")
    tunnel = vedge["tunnel_ports"][f"ovn-{OTHER[:6]}-0"]  # ovn-controller's own name
    assert tunnel["type"] == "geneve" and tunnel["options"]["remote_ip"] == "127.0.0.2"
    assert {"br-int", TAP} <= set(vedge["ports"])
    ifaces = interface_ids(parse_ovs_vsctl_list(
        ovn["ovs-vsctl_--columns=name,external_ids_list_Interface"]))
    assert ifaces == {TAP: VM_PORT}


def test_the_chassis_answers_the_dhcp_of_its_ports(ovn: dict[str, str]) -> None:
    tables = dict(zip(NB_TABLES, parse_ovsdb_json_tables(ovn[NB_DUMP]), strict=True))
    assert {r["name"] for r in tables["Logical_Router"]} == {f"neutron-{ROUTER}"}
    chassis = parse_ovsdb_json(ovn["ovn-sbctl_--format=json_list_Chassis"])
    bindings = parse_ovsdb_json(ovn["ovn-sbctl_--format=json_list_Port_Binding"])
    args = (chassis, bindings, tables["Logical_Switch_Port"], tables["DHCP_Options"])
    dhcp = local_dhcp(CHASSIS, *args)
    assert list(dhcp) == [NET] and local_dhcp(OTHER, *args) == {}
    vservice = shape_dhcp_vservice("node-1", NET, {"name": "net1"}, dhcp[NET],
                                   DEFAULT_FOLDER_TEXTS)
    assert (vservice["id"], vservice["name"], vservice["service_type"]) == (
        f"node-1-ovn-dhcp-{NET}", "dhcp-net1", "dhcp")
    assert (vservice["network"], vservice["parent_id"]) == ([NET], "node-1-vservices-dhcps")
    assert vservice["dhcp_options"] == [{
        "subnet_id": SUBNET, "cidr": "10.128.0.0/24", "ip_version": 4,
        "server_id": "10.128.0.1", "server_mac": "fa:16:3e:41:7e:09", "router": "10.128.0.1",
        "lease_time": 43200, "mtu": 1442, "dns_servers": ["8.8.8.8", "1.1.1.1"]}]
