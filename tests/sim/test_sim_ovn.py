"""The simulator's ML2/OVN: metadata ports and namespaces follow the instances, routers
have their gateway on a chassis, DHCP is in the northbound database, and the tools of a
chassis and of the controller answer from the cloud's current state."""

from __future__ import annotations

import json

from calipso.sim.checks import cloud_problems, truth_problems
from calipso.sim.generate import generate
from calipso.sim.model import OWNER_COMPUTE, OWNER_DISTRIBUTED
from calipso.sim.spec import spec_from_flags
from calipso.sim.ssh.commands import HostTools
from calipso.sim.truth import build_truth
from calipso.sim.wiring_ovn import chassis_name, metadata_veth


def _rows(tools: HostTools, tool: str, table: str) -> list[dict]:
    result = tools([tool, "--format=json", "list", table], "")
    assert result.exit_status == 0, result.stderr
    doc = json.loads(result.stdout)
    return [dict(zip(doc["headings"], row, strict=True)) for row in doc["data"]]


def test_metadata_namespace_follows_the_instances() -> None:
    cloud = generate(spec_from_flags(hosts=3, instances=0, networks=1, driver="ovn", seed=4))
    tenant = next(p.id for p in cloud.projects.values() if p.name == "demo")
    net = cloud.create_network("green", tenant)
    cloud.create_subnet(net.id, "10.77.0.0/24", "green-sub")
    [meta] = [p for p in cloud.ports_on_network(net.id) if p.device_owner == OWNER_DISTRIBUTED]
    assert (meta.host, meta.device_id) == ("", f"ovnmeta-{net.id}")
    assert meta.fixed_ips[0].ip_address == "10.77.0.2"
    inst = cloud.create_instance("vm-green", tenant, [net.id])
    ns = cloud.wiring(inst.host).namespaces[f"ovnmeta-{net.id}"]
    inside = next(d for d in ns.devs if d.name == metadata_veth(net.id)[1])
    assert inside.mac == meta.mac and "169.254.169.254/32" in inside.addresses
    assert cloud_problems(cloud) == []
    assert truth_problems(build_truth(cloud, "env"), "env") == []
    cloud.delete_instance(inst.uuid)
    assert f"ovnmeta-{net.id}" not in cloud.wiring(inst.host).namespaces
    cloud.delete_network(net.id)  # the metadata port goes with it
    assert meta.id not in cloud.ports and cloud_problems(cloud) == []


def test_chassis_tools_and_databases() -> None:
    cloud = generate(spec_from_flags(hosts=3, instances=2, networks=1, driver="ovn", seed=4))
    gateway, compute = cloud.network_hosts()[0], cloud.compute_hosts()[0]
    central = HostTools(cloud, gateway.name)  # the controller runs ovn-central too
    assert HostTools(cloud, compute.name)(["ovn-nbctl", "show"], "") is None  # not there
    chassis = {r["name"]: r for r in _rows(central, "ovn-sbctl", "Chassis")}
    assert set(chassis) == {chassis_name(cloud, h.name) for h in (gateway, *cloud.compute_hosts())}
    router = next(iter(cloud.routers.values()))
    [binding] = [b for b in _rows(central, "ovn-sbctl", "Port_Binding")
                 if b["logical_port"] == f"cr-lrp-{router.gw_port_id}"]
    assert binding["chassis"] == chassis[chassis_name(cloud, router.host)]["_uuid"]
    ids = HostTools(cloud, compute.name)(["ovs-vsctl", "get", "open", ".", "external_ids"], "")
    assert f'system-id="{chassis_name(cloud, compute.name)}"' in ids.stdout
    assert f'ovn-encap-ip="{compute.tunnel_ip}"' in ids.stdout
    show = HostTools(cloud, compute.name)(["ovs-vsctl", "show"], "").stdout
    other = chassis_name(cloud, gateway.name)
    assert f"Port ovn-{other[:6]}-0" in show and "br-tun" not in show
    netns = HostTools(cloud, gateway.name)(["ip", "netns"], "").stdout
    assert "qrouter-" not in netns and "qdhcp-" not in netns
    error = central(["ovn-nbctl", "list", "Logical_Router"], "")
    assert error.exit_status == 1 and "--format=json" in error.stderr


def test_dhcp_options_rows_and_the_ports_that_name_them() -> None:
    """Neutron's `DHCP_Options` row per subnet with DHCP, named by the VM ports' logical
    switch ports (not by the metadata or router ports); several tables in one call, one
    JSON document each, with the columns asked for."""
    cloud = generate(spec_from_flags(hosts=3, instances=3, networks=2, driver="ovn", seed=4))
    tenant = next(p.id for p in cloud.projects.values() if p.name == "demo")
    net = cloud.create_network("nodhcp", tenant)
    cloud.create_subnet(net.id, "10.78.0.0/24", "nodhcp-sub", enable_dhcp=False)
    central = HostTools(cloud, cloud.network_hosts()[0].name)
    result = central(["ovn-nbctl", "--format=json", "list", "DHCP_Options", "--",
                      "--columns=name,dhcpv4_options", "list", "Logical_Switch_Port"], "")
    assert result.exit_status == 0, result.stderr
    [dhcp_doc, lsp_doc] = [json.loads(line) for line in result.stdout.splitlines()]
    assert lsp_doc["headings"] == ["name", "dhcpv4_options"]
    rows = {r[2][1][1][1]: dict(zip(dhcp_doc["headings"], r, strict=True))
            for r in dhcp_doc["data"]}  # by external_ids subnet_id
    with_dhcp = {s.id for s in cloud.subnets.values() if s.enable_dhcp}
    assert set(rows) == with_dhcp and with_dhcp
    sub = cloud.subnets[next(iter(with_dhcp))]
    options = dict(rows[sub.id]["options"][1])
    assert (rows[sub.id]["cidr"], options["server_id"], options["router"]) == (
        sub.cidr, sub.gateway_ip, sub.gateway_ip)
    assert options["lease_time"] == "43200" and options["dns_server"] == "{8.8.8.8}"
    uuids = {s: rows[s]["_uuid"] for s in rows}
    named = dict(lsp_doc["data"])
    for port in cloud.ports.values():
        dhcp = port.fixed_ips[0].subnet_id if port.fixed_ips else None
        want = uuids.get(dhcp) if port.device_owner == OWNER_COMPUTE else None
        assert named[port.id] == (want or ["set", []]), port.device_owner
