"""Cloud mutations keep every derived part consistent and tell the listeners."""

from __future__ import annotations

import pytest

from calipso.errors import Conflict, InvalidInput, NotFound
from calipso.sim.checks import cloud_problems, truth_problems
from calipso.sim.cloud import Change, Cloud
from calipso.sim.generate import generate
from calipso.sim.model import OWNER_DHCP, OWNER_ROUTER_INTERFACE
from calipso.sim.spec import spec_from_flags
from calipso.sim.truth import build_truth


def consistent(cloud: Cloud) -> None:
    assert cloud_problems(cloud) == []
    assert truth_problems(build_truth(cloud, "env"), "env") == []


@pytest.fixture(params=["ovs", "lxb", "vpp"])
def cloud(request: pytest.FixtureRequest) -> Cloud:
    return generate(spec_from_flags(hosts=3, instances=4, networks=2, driver=request.param,
                                    seed=5))


def _tenant(cloud: Cloud) -> str:
    return next(p.id for p in cloud.projects.values() if p.name == "demo")


def test_network_subnet_instance_lifecycle(cloud: Cloud) -> None:
    changes: list[Change] = []
    cloud.subscribe(changes.append)
    start = cloud.version
    net = cloud.create_network("green", _tenant(cloud))
    sub = cloud.create_subnet(net.id, "10.77.0.0/24", "green-sub")
    dhcp = [p for p in cloud.ports_on_network(net.id) if p.device_owner == OWNER_DHCP]
    assert len(dhcp) == 1 and dhcp[0].fixed_ips[0].ip_address == "10.77.0.2"
    assert f"qdhcp-{net.id}" in cloud.wiring(dhcp[0].host).namespaces
    inst = cloud.create_instance("vm-green", _tenant(cloud), [net.id])
    port = cloud.ports[inst.port_ids[0]]
    assert port.fixed_ips[0].ip_address == "10.77.0.3"
    assert port.host == inst.host
    consistent(cloud)
    truth = build_truth(cloud, "env")
    assert any(o["id"] == inst.uuid and o["parent_id"] == f"{inst.host}-instances"
               for o in truth["objects"])
    with pytest.raises(Conflict):
        cloud.delete_network(net.id)
    cloud.delete_instance(inst.uuid)
    assert port.id not in cloud.ports
    cloud.delete_subnet(sub.id)
    assert f"qdhcp-{net.id}" not in cloud.wiring(dhcp[0].host).namespaces
    cloud.delete_network(net.id)
    consistent(cloud)
    assert cloud.version == start + len(changes)
    kinds = [(c.action, c.kind) for c in changes]
    assert kinds[:3] == [("create", "network"), ("create", "subnet"), ("create", "port")]
    assert ("delete", "instance") in kinds and kinds[-1] == ("delete", "network")


def test_router_interfaces_and_gateway(cloud: Cloud) -> None:
    net = cloud.create_network("red", _tenant(cloud))
    sub = cloud.create_subnet(net.id, "10.78.0.0/24", enable_dhcp=False)
    public = next(n for n in cloud.networks.values() if n.external)
    router = cloud.create_router("r-red", _tenant(cloud), external_network_id=public.id)
    assert router.gw_port_id in cloud.ports
    port = cloud.add_router_interface(router.id, sub.id)
    assert port.device_owner == OWNER_ROUTER_INTERFACE
    assert port.fixed_ips[0].ip_address == sub.gateway_ip == "10.78.0.1"
    ns = cloud.wiring(router.host).namespaces[f"qrouter-{router.id}"]
    assert {d.name for d in ns.devs} >= {"qr-" + port.id[:11],
                                        "qg-" + router.gw_port_id[:11]}
    consistent(cloud)
    with pytest.raises(Conflict):
        cloud.add_router_interface(router.id, sub.id)
    with pytest.raises(Conflict):
        cloud.delete_router(router.id)
    cloud.remove_router_interface(router.id, sub.id)
    cloud.delete_router(router.id)
    assert f"qrouter-{router.id}" not in cloud.wiring(router.host).namespaces
    consistent(cloud)


def test_ports_can_be_created_unbound_then_bound(cloud: Cloud) -> None:
    net = next(n for n in cloud.networks.values() if not n.external)
    port = cloud.create_port(net.id, name="spare")
    assert port.vif_type == "unbound" and port.status == "DOWN"
    host = cloud.compute_hosts()[0].name
    bound = cloud.bind_port(port.id, host, device_id="some-device")
    assert bound.host == host and bound.vif_type != "unbound"
    assert bound.id in cloud.alloc[host].ports
    cloud.delete_port(port.id)
    assert port.id not in cloud.alloc[host].ports
    consistent(cloud)


def test_ofports_and_tags_stay_stable_across_changes() -> None:
    cloud = generate(spec_from_flags(hosts=2, instances=3, networks=1, seed=1))
    host = cloud.compute_hosts()[0].name
    before = {p.name: (p.ofport, p.tag) for p in cloud.wiring(host).ovs_ports}
    net = cloud.create_network("extra", _tenant(cloud))
    cloud.create_subnet(net.id, "10.79.0.0/24")
    inst = cloud.create_instance("late", _tenant(cloud), [net.id], host=host)
    after = {p.name: (p.ofport, p.tag) for p in cloud.wiring(host).ovs_ports}
    assert {k: after[k] for k in before} == before
    new = after["qvo" + inst.port_ids[0][:11]]
    assert new[0] not in {v[0] for k, v in before.items() if k.startswith("qvo")}
    assert new[1] not in {v[1] for v in before.values()}


def test_bad_requests_are_refused() -> None:
    cloud = generate(spec_from_flags(hosts=2, instances=0))
    tenant = _tenant(cloud)
    with pytest.raises(NotFound):
        cloud.delete_instance("nope")
    with pytest.raises(InvalidInput):
        cloud.create_subnet(next(iter(cloud.networks)), "not-a-cidr")
    net = cloud.create_network("n", tenant)
    with pytest.raises(Conflict):
        cloud.create_instance("vm", tenant, [net.id])  # no subnet yet
    cloud.create_subnet(net.id, "10.80.0.0/29", enable_dhcp=False)  # 5 addresses
    for k in range(5):
        cloud.create_instance(f"vm{k}", tenant, [net.id])
    ports_before = dict(cloud.ports)
    with pytest.raises(Conflict, match="no more IP"):
        cloud.create_instance("one-too-many", tenant, [net.id])
    assert cloud.ports == ports_before
    assert cloud_problems(cloud) == []
    with pytest.raises(Conflict):
        cloud.create_network("dup", tenant, "vxlan",
                             segmentation_id=net.segmentation_id)
