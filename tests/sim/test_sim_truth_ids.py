"""Truth ids follow the conventions of calipso/sim/README.md, per driver."""

from __future__ import annotations

from typing import Any

from calipso.sim.cloud import Cloud
from calipso.sim.generate import generate
from calipso.sim.model import OWNER_DHCP
from calipso.sim.spec import spec_from_flags
from calipso.sim.truth import build_truth


def _setup(driver: str, **extra: Any) -> tuple[Cloud, dict[tuple[str, str], dict[str, Any]]]:
    cloud = generate(spec_from_flags(hosts=2, instances=1, driver=driver, **extra))
    truth = build_truth(cloud, "env")
    return cloud, {(o["type"], o["id"]): o for o in truth["objects"]}


def test_folders_and_paths() -> None:
    cloud, objs = _setup("ovs")
    compute = cloud.compute_hosts()[0].name
    inst = next(iter(cloud.instances.values()))
    doc = objs[("instance", inst.uuid)]
    assert doc["id_path"] == (f"/env/env-regions/RegionOne/RegionOne-availability_zones/nova/"
                              f"{compute}/{compute}-instances/{inst.uuid}")
    assert doc["name_path"] == (f"/env/Regions/RegionOne/Availability Zones/nova/{compute}/"
                                f"Instances/{inst.name}")
    for key in [("regions_folder", "env-regions"), ("projects_folder", "env-projects"),
                ("availability_zones_folder", "RegionOne-availability_zones"),
                ("vedges_folder", f"{compute}-vedges"), ("pnics_folder", f"{compute}-host_pnics"),
                ("vconnectors_folder", f"{compute}-vconnectors"),
                ("vnics_folder", f"{inst.uuid}-vnics")]:
        assert key in objs, key
    net = next(n for n in cloud.networks.values() if not n.external)
    assert objs[("network", net.id)]["parent_id"] == f"{net.project_id}-networks"
    net_host = cloud.network_hosts()[0].name
    vservice = objs[("vservice", f"{net_host}-qdhcp-{net.id}")]
    assert vservice["name"] == f"dhcp-{net.name}"
    assert vservice["parent_id"] == f"{net_host}-vservices-dhcps"


def test_ovs_hybrid_ids() -> None:
    cloud, objs = _setup("ovs")
    inst = next(iter(cloud.instances.values()))
    port = cloud.ports[inst.port_ids[0]]
    agent = next(a for a in cloud.agents_on_host(inst.host)
                 if a.binary == "neutron-openvswitch-agent")
    assert objs[("vedge", agent.id)]["name"] == f"{inst.host}-OVS"
    assert ("otep", f"{inst.host}-otep") in objs
    bridge = cloud.wiring(inst.host).bridges["qbr" + port.id[:11]]
    assert ("vconnector", f"{inst.host}-qbr{port.id[:11]}-{bridge.bridge_id}") in objs
    assert ("network_agent", f"neutron-openvswitch-agent-{agent.id}") in objs


def test_lxb_ids() -> None:
    cloud, objs = _setup("lxb", type_driver="vlan")
    inst = next(iter(cloud.instances.values()))
    port = cloud.ports[inst.port_ids[0]]
    brq = cloud.wiring(inst.host).bridges["brq" + port.network_id[:11]]
    vconn = objs[("vconnector", f"{inst.host}-brq{port.network_id[:11]}-{brq.bridge_id}")]
    assert f"eth2.{cloud.networks[port.network_id].segmentation_id}" in vconn["interfaces_names"]
    assert not [k for k in objs if k[0] == "otep"]
    dhcp = next(p for p in cloud.ports.values() if p.device_owner == OWNER_DHCP)
    assert ("vnic", f"{dhcp.host}-ns-{dhcp.id[:11]}") in objs


def test_vpp_ids() -> None:
    cloud, objs = _setup("vpp")
    inst = next(iter(cloud.instances.values()))
    port = cloud.ports[inst.port_ids[0]]
    host = inst.host
    assert objs[("vedge", f"{host}-VPP")]["name"] == f"VPP-{host}"
    pnic = objs[("host_pnic", f"{host}-pnic-TenGigabitEthernet5/0/0")]
    assert pnic["parent_id"] == f"{host}-VPP-host_pnics"
    vnic = objs[("vnic", f"{host}-{inst.libvirt_name}-vhostuser-{port.mac}")]
    assert vnic["mac_address"] == port.mac
    bd = cloud.alloc[host].tag(port.network_id)
    assert ("vconnector", f"{host}-vconnector-{bd}") in objs
    assert objs[("otep", f"{host}-otep")]["parent_id"] == f"{host}-VPP"
