"""Linux bridges: brctl show and bridge fdb show."""

from __future__ import annotations

import json

from calipso.fetchers.cli.parse.brctl import parse_brctl_show
from calipso.fetchers.cli.parse.bridge_fdb import parse_bridge_fdb_show


def test_brctl_show_network_node_matches_expected_vconnectors(fixture_text):
    bridges = parse_brctl_show(fixture_text("cli/ovs/brctl_show.txt"))
    expected = json.loads(
        fixture_text("inventory/fetcher_results/cli_fetch_vconnectors_ovs.json"))
    assert [b.name for b in bridges] == [e["name"] for e in expected]
    for bridge, doc in zip(bridges, expected, strict=True):
        assert bridge.bridge_id == doc["id"]
        assert bridge.stp_enabled == doc["stp_enabled"]
        assert sorted(bridge.interfaces) == sorted(doc["interfaces_names"])
        assert set(bridge.interfaces) == set(doc["interfaces"])
    assert bridges[0].interfaces == ("eno33554952", "p_ff798dba-0", "v_public", "v_vrouter_pub")


def test_brctl_show_hybrid_plug_bridge_with_space_separators(fixture_text):
    [qbr] = parse_brctl_show(fixture_text("cli/ovs/brctl_show.compute_hybrid.txt"))
    assert (qbr.name, qbr.bridge_id, qbr.stp_enabled) == ("qbrf47c62b0-db", "8000.56a7904c418d",
                                                          "no")
    assert qbr.interfaces == ("qvbf47c62b0-db", "tapf47c62b0-db")


def test_brctl_show_bridge_without_interfaces():
    text = "bridge name\tbridge id\t\tSTP enabled\tinterfaces\nbr0\t\t8000.000000000000\tno\t\t\n"
    [br0] = parse_brctl_show(text)
    assert br0.interfaces == () and br0.name == "br0"
    assert parse_brctl_show("bridge name\tbridge id\t\tSTP enabled\tinterfaces\n") == []


# ``bridge fdb show`` on an LXB compute node with l2population (no capture exists; the
# format follows iproute2's fdb printer).
FDB = """\
33:33:00:00:00:01 dev eth0 self permanent
01:00:5e:00:00:01 dev eth0 self permanent
1e:c5:d4:be:d4:71 dev vxlan-267 vlan 1 master brqc08e7dcd-4a permanent
00:00:00:00:00:00 dev vxlan-267 dst 172.16.0.11 self permanent
FA:16:3E:FB:FE:E2 dev vxlan-267 dst 172.16.0.11 self permanent
fe:16:3e:be:71:21 dev tap7a8c0a54-75 master brqc08e7dcd-4a permanent
"""


def test_bridge_fdb_show_vxlan_remote_entries():
    entries = parse_bridge_fdb_show(FDB)
    assert len(entries) == 6
    remote = [e for e in entries if e.dev == "vxlan-267" and e.dst]
    assert [(e.mac_address, e.dst) for e in remote] == [
        ("00:00:00:00:00:00", "172.16.0.11"), ("fa:16:3e:fb:fe:e2", "172.16.0.11")]
    assert remote[0].flags == ("self", "permanent")
    local = entries[2]
    assert (local.vlan, local.master, local.dst) == (1, "brqc08e7dcd-4a", None)
    assert parse_bridge_fdb_show("") == []
