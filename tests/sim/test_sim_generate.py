"""The generator: deterministic, consistent for every driver, spec loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from calipso.errors import ConfigError
from calipso.sim.checks import cloud_problems, truth_problems
from calipso.sim.cloud import Cloud
from calipso.sim.generate import generate
from calipso.sim.spec import TopologySpec, load_spec, spec_from_flags
from calipso.sim.truth import build_truth


def check_cloud(cloud: Cloud) -> None:
    assert cloud_problems(cloud) == []


def check_truth(cloud: Cloud, env: str = "env") -> dict:
    truth = build_truth(cloud, env)
    assert truth_problems(truth, env) == []
    return truth


DRIVERS = [(d, t) for d in ("ovs", "lxb", "vpp") for t in ("vxlan", "vlan")] + [
    ("ovn", "geneve"), ("ovn", "vlan")]


def test_same_seed_same_cloud_and_truth() -> None:
    spec = spec_from_flags(hosts=4, instances=10, networks=3, seed=7, bonds=1)
    first, second = generate(spec), generate(spec)
    assert list(first.ports.values()) == list(second.ports.values())
    assert list(first.instances.values()) == list(second.instances.values())
    assert build_truth(first, "e") == build_truth(second, "e")
    other = generate(spec.model_copy(update={"seed": 8}))
    assert list(other.ports) != list(first.ports)


@pytest.mark.parametrize(("driver", "type_driver"), DRIVERS)
def test_every_driver_generates_a_consistent_cloud(driver: str, type_driver: str) -> None:
    cloud = generate(spec_from_flags(hosts=4, instances=12, networks=3, driver=driver,
                                     type_driver=type_driver, bonds=2, seed=3))
    assert len(cloud.instances) == 12
    check_cloud(cloud)
    truth = check_truth(cloud)
    json.dumps(truth)  # stores and API responses need plain JSON
    types = {o["type"] for o in truth["objects"]}
    assert {"region", "availability_zone", "host", "project", "network", "port", "instance",
            "vnic", "vconnector", "vedge", "host_pnic", "vservice"} <= types
    assert ("otep" in types) == (type_driver == "vxlan" or driver == "ovn")  # OVN: Geneve
    focal = {c["focal_point_type"] for c in truth["cliques"]}
    assert focal == {"instance", "vservice", "network"}


def test_openvswitch_firewall_plugs_taps_on_br_int() -> None:
    cloud = generate(spec_from_flags(hosts=2, instances=2, firewall="openvswitch"))
    check_cloud(cloud)
    inst = next(iter(cloud.instances.values()))
    port = cloud.ports[inst.port_ids[0]]
    wiring = cloud.wiring(inst.host)
    assert "qbr" + port.id[:11] not in wiring.bridges
    ovs_port = wiring.ovs_port("tap" + port.id[:11])
    assert ovs_port is not None and ovs_port.bridge == "br-int" and ovs_port.tag is not None
    assert dict(ovs_port.external_ids)["iface-id"] == port.id
    truth = build_truth(cloud, "e")
    vnic = next(o for o in truth["objects"] if o["type"] == "vnic"
                and o.get("port_id") == port.id)
    assert vnic["id"] == f"{inst.host}-tap{port.id[:11]}"
    assert vnic["source_bridge"] == "br-int"


def test_hybrid_plug_names_follow_the_port_id() -> None:
    cloud = generate(spec_from_flags(hosts=2, instances=1))
    inst = next(iter(cloud.instances.values()))
    port = cloud.ports[inst.port_ids[0]]
    wiring = cloud.wiring(inst.host)
    qbr = wiring.bridges["qbr" + port.id[:11]]
    assert set(qbr.interfaces) == {"tap" + port.id[:11], "qvb" + port.id[:11]}
    assert qbr.bridge_id.startswith("8000.")
    tunnels = [p for p in wiring.ovs_ports if p.type == "vxlan"]
    assert [t.name for t in tunnels] == ["vxlan-0a01000b"]  # the network host 10.1.0.11


def test_explicit_host_counts_and_all_in_one() -> None:
    spec = TopologySpec.model_validate(
        {"hosts": {"controllers": 1, "combined": 0, "networks": 2, "computes": 3},
         "instances": 6, "networks": 4})
    cloud = generate(spec)
    roles = [sorted(h.roles) for h in cloud.hosts.values()]
    assert roles == [["controller"], ["network"], ["network"], ["compute"] * 1,
                     ["compute"], ["compute"]]
    check_cloud(cloud)
    check_truth(cloud)
    aio = generate(spec_from_flags(hosts=1, instances=2))
    assert next(iter(aio.hosts.values())).roles == {"controller", "network", "compute"}
    check_cloud(aio)
    check_truth(aio)


def test_spec_loads_from_yaml_and_json_and_refuses_unknown_keys(tmp_path: Path) -> None:
    yaml_file = tmp_path / "spec.yaml"
    yaml_file.write_text("hosts: 3\ninstances: 5\ndriver: lxb\nseed: 2\n")
    assert load_spec(yaml_file).driver == "lxb"
    json_file = tmp_path / "spec.json"
    json_file.write_text(json.dumps({
        "hosts": 2, "networks": [{"name": "blue", "subnets": ["10.9.0.0/24"]}],
        "routers": [{"name": "r", "interfaces": ["blue"]}], "instances": 1,
        "external_network": False}))
    cloud = generate(load_spec(json_file))
    assert [n.name for n in cloud.networks.values()] == ["blue"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("hosts: 2\nhostz: 3\n")
    with pytest.raises(ConfigError, match="hostz"):
        load_spec(bad)


def test_the_readme_example_spec_builds_a_consistent_cloud() -> None:
    readme = Path(__file__).parents[2] / "calipso" / "sim" / "README.md"
    text = readme.read_text(encoding="utf-8")
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    cloud = generate(TopologySpec.model_validate(yaml.safe_load(block)))
    assert len(cloud.instances) == 200
    check_cloud(cloud)
    check_truth(cloud)
