"""Linux bridge, VPP and fabric switch links."""

from __future__ import annotations

from link_topology import env_config, insert, link_context, links_of, new_env_name, pairs
from pymongo.asynchronous.database import AsyncDatabase

from calipso.config_paths import SHIPPED_CONFIG
from calipso.links import find_links, load_link_plan

PLAN = load_link_plan(SHIPPED_CONFIG / "link_finders.json")
HOST = "compute-7"


def _lxb_docs(with_vedge: bool) -> list[dict]:
    tap, brq = "tap7a8c0a54-75", "brqc08e7dcd-4a"
    mac = "fa:16:3e:be:71:21"
    vconnector = f"{HOST}-{brq}-8000.1"
    docs = [
        {"id": HOST, "type": "host", "name": HOST, "host": HOST, "host_type": ["Compute"]},
        {"id": "inst-1", "type": "instance", "name": "instance02", "host": HOST,
         "network": ["net-1"], "network_info": [
             {"devname": tap, "address": mac, "network": {"id": "net-1", "label": "self"}}]},
        {"id": f"{HOST}-{tap}", "type": "vnic", "name": tap, "host": HOST, "mac_address": mac,
         "vnic_type": "instance_vnic", "instance_id": "inst-1"},
        {"id": vconnector, "type": "vconnector", "name": f"{HOST}-{brq}", "host": HOST,
         "bridge_name": brq,
         "interfaces_names": [tap, "vxlan-267"],
         "interfaces": {tap: {"name": tap, "mac_address": mac},
                        "vxlan-267": {"name": "vxlan-267"}}},
        {"id": f"{HOST}-otep-vxlan-267", "type": "otep", "name": f"{HOST}-otep-vxlan-267",
         "host": HOST, "parent_id": vconnector, "parent_type": "vconnector",
         "vconnector": f"{HOST}-{brq}", "ip_address": "172.16.0.31"},
        {"id": f"{HOST}-brqother-8000.2", "type": "vconnector", "name": f"{HOST}-brqother",
         "host": HOST, "bridge_name": "brqother", "interfaces_names": ["vxlan-300"]},
        {"id": f"{HOST}-brqflat-8000.3", "type": "vconnector", "name": f"{HOST}-brqflat",
         "host": HOST, "bridge_name": "brqflat", "interfaces_names": ["eth2"]},
        {"id": "eth0-52:54:00:07:00:00", "type": "host_pnic", "name": "eth0", "host": HOST,
         "IP Address": "172.16.0.31", "Link detected": "yes", "mac_address": "52:54:00:07:00:00"},
    ]
    if with_vedge:
        docs.append({"id": "lxb-agent-7", "type": "vedge", "name": f"{HOST}-LXB", "host": HOST,
                     "agent_type": "Linux bridge agent", "ports": {}})
    return docs


async def test_lxb_vedge_otep_starts_at_the_vedge(db: AsyncDatabase) -> None:
    env = env_config(new_env_name(), mechanism="LXB")
    await insert(db, env.name, _lxb_docs(with_vedge=True))
    await find_links(link_context(db, env), PLAN)
    links = pairs(await links_of(db, env.name, implicit=False))
    otep = f"{HOST}-otep-vxlan-267"
    vconnector = f"{HOST}-brqc08e7dcd-4a-8000.1"
    assert ("vedge-otep", "lxb-agent-7", otep) in links
    assert ("otep-vconnector", otep, vconnector) in links
    # every bridge holding a VXLAN device of the host, not the flat one
    assert ("otep-vconnector", otep, f"{HOST}-brqother-8000.2") in links
    assert not [p for p in links if p[0] == "otep-vconnector" and "brqflat" in p[2]]
    assert ("otep-host_pnic", otep, "eth0-52:54:00:07:00:00") in links
    assert ("vnic-vconnector", f"{HOST}-tap7a8c0a54-75", vconnector) in links
    assert not [p for p in links if p[0] == "vedge-otep" and p[1] == vconnector]
    # the agent vEdge has no ports: the bridge links to it, named by the bridge
    [bridge_vedge] = await links_of(db, env.name, link_type="vconnector-vedge",
                                    source_id=vconnector)
    assert (bridge_vedge["source_id"], bridge_vedge["target_id"]) == (vconnector, "lxb-agent-7")
    assert bridge_vedge["link_name"] == "brqc08e7dcd-4a"
    assert bridge_vedge["attributes"] == {"network": "net-1"}


async def test_lxb_without_vedge_makes_no_vedge_otep(db: AsyncDatabase) -> None:
    env = env_config(new_env_name(), mechanism="LXB")
    await insert(db, env.name, _lxb_docs(with_vedge=False))
    await find_links(link_context(db, env), PLAN)
    assert await links_of(db, env.name, link_type="vedge-otep") == []
    assert await links_of(db, env.name, link_type="otep-vconnector")


async def test_vpp_bridge_domain_members_by_mac(db: AsyncDatabase) -> None:
    env = env_config(new_env_name(), mechanism="VPP")
    mac = "fa:16:3e:d1:98:73"
    vnic_id = f"ubuntu0-instance-00000001-vhostuser-{mac}"
    await insert(db, env.name, [
        {"id": "ubuntu0", "type": "host", "name": "ubuntu0", "host": "ubuntu0",
         "host_type": ["Compute", "Network"]},
        {"id": vnic_id, "type": "vnic", "name": "VirtualEthernet0/0/8", "host": "ubuntu0",
         "mac_address": mac, "vnic_type": "instance_vnic", "instance_id": "vm-1"},
        {"id": "vm-1", "type": "instance", "name": "vm-1", "host": "ubuntu0", "network_info": [
            {"devname": "vhu1", "address": mac, "network": {"id": "net-v", "label": "v"}}]},
        {"id": "ubuntu0-vconnector-5678", "type": "vconnector", "name": "bridge-domain-5678",
         "host": "ubuntu0", "bd_id": "5678",
         "interfaces_names": ["VirtualEthernet0/0/8", "TenGigabitEthernetc/0/0"],
         "interfaces": {"VirtualEthernet0/0/8": {"name": "VirtualEthernet0/0/8",
                                                 "mac_address": mac},
                        "TenGigabitEthernetc/0/0": {"name": "TenGigabitEthernetc/0/0",
                                                    "mac_address": "00:25:b5:99:00:5c"}}},
        {"id": "ubuntu0-VPP", "type": "vedge", "name": "VPP-ubuntu0", "host": "ubuntu0",
         "agent_type": "VPP", "ports": {
             "VirtualEthernet0/0/8": {"id": "13", "name": "VirtualEthernet0/0/8"},
             "TenGigabitEthernetc/0/0": {"id": "5", "name": "TenGigabitEthernetc/0/0"}}},
        {"id": "ubuntu0-pnic-TenGigabitEthernetc/0/0", "type": "host_pnic",
         "name": "TenGigabitEthernetc/0/0", "host": "ubuntu0", "Link detected": "no",
         "mac_address": "00:25:b5:99:00:5c"},
    ])
    await find_links(link_context(db, env), PLAN)
    links = await links_of(db, env.name, implicit=False)
    assert {("instance-vnic", "vm-1", vnic_id),
            ("vnic-vconnector", vnic_id, "ubuntu0-vconnector-5678"),
            ("vconnector-vedge", "ubuntu0-vconnector-5678", "ubuntu0-VPP"),
            ("vedge-host_pnic", "ubuntu0-VPP", "ubuntu0-pnic-TenGigabitEthernetc/0/0"),
            ("vconnector-host_pnic", "ubuntu0-vconnector-5678",
             "ubuntu0-pnic-TenGigabitEthernetc/0/0")} <= pairs(links)
    down = next(d for d in links if d["link_type"] == "vedge-host_pnic")
    assert down["state"] == "down" and down["link_name"] == "Port-5"
    # one link per bridge domain, named by its highest numbered member port (listed first)
    bridge = next(d for d in links if d["link_type"] == "vconnector-vedge")
    assert bridge["link_name"] == "port-13"
    instance_vnic = next(d for d in links if d["link_type"] == "instance-vnic")
    assert instance_vnic["attributes"] == {"network": "net-v"}  # matched by MAC


async def test_fabric_switch_links(db: AsyncDatabase) -> None:
    env = env_config(new_env_name())
    leaf, spine = "switch-pod-1__node-101-leaf", "switch-pod-1__node-201-spine"
    await insert(db, env.name, [
        {"id": "eth0-52:54:00:09:00:00", "type": "host_pnic", "name": "eth0", "host": "h9",
         "mac_address": "52:54:00:09:00:00", "Link detected": "yes"},
        {"id": leaf, "type": "switch", "name": leaf, "object_name": "node-101"},
        {"id": spine, "type": "switch", "name": spine, "object_name": "node-201"},
        {"id": f"{leaf}-eth1__5-52:54:00:09:00:00", "type": "switch_pnic", "parent_id": leaf,
         "switch": leaf, "object_name": "eth1/5", "role": "hostlink",
         "mac_address": "52:54:00:09:00:00"},
        {"id": f"{leaf}-eth1__49", "type": "switch_pnic", "parent_id": leaf, "switch": leaf,
         "object_name": "eth1/49", "role": "uplink", "connected_to": f"{spine}-eth1__1"},
        {"id": f"{spine}-eth1__1", "type": "switch_pnic", "parent_id": spine, "switch": spine,
         "object_name": "eth1/1", "role": "downlink"},
    ])
    await find_links(link_context(db, env), PLAN)
    links = await links_of(db, env.name, implicit=False)
    assert {("host_pnic-switch_pnic", "eth0-52:54:00:09:00:00",
             f"{leaf}-eth1__5-52:54:00:09:00:00"),
            ("switch-switch_pnic", leaf, f"{leaf}-eth1__49"),
            ("switch_pnic-switch_pnic", f"{leaf}-eth1__49", f"{spine}-eth1__1")} <= pairs(links)
    names = {d["link_type"] + ":" + d["link_name"] for d in links}
    assert {"host_pnic-switch_pnic:h9-" + leaf, "switch-switch_pnic:node-101=eth1/49",
            "switch_pnic-switch_pnic:eth1/49"} <= names
    uplink = next(d for d in links if d["link_type"] == "switch_pnic-switch_pnic")
    assert uplink["switch"] == leaf and "host" not in uplink
