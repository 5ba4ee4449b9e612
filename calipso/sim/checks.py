"""Self-checks of a simulated cloud and its truth: lists of broken invariants (empty = ok).

Tests assert these are empty after generating and after every mutation; channel authors
can run them on a cloud they built by hand.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from calipso.sim.cloud import Cloud
from calipso.sim.model import OWNER_COMPUTE, OWNER_DHCP, OWNER_DISTRIBUTED


def cloud_problems(cloud: Cloud) -> list[str]:
    out: list[str] = []
    macs = Counter(p.mac for p in cloud.ports.values())
    out += [f"MAC {m} on {n} ports" for m, n in macs.items() if n > 1]
    for port in cloud.ports.values():
        if not port.mac.startswith("fa:16:3e:"):
            out.append(f"port {port.id}: MAC {port.mac} not fa:16:3e")
        if port.network_id not in cloud.networks:
            out.append(f"port {port.id}: unknown network {port.network_id}")
        elif port.host in cloud.hosts and \
                cloud.hosts[port.host].region != cloud.region_of_network(port.network_id):
            out.append(f"port {port.id}: bound on {port.host}, outside its network's region")
        for ip in port.fixed_ips:
            if cloud.subnets[ip.subnet_id].network_id != port.network_id:
                out.append(f"port {port.id}: subnet {ip.subnet_id} of another network")
    for inst in cloud.instances.values():
        out += _instance_problems(cloud, inst.uuid)
    ovn = cloud.spec.driver == "ovn"  # no DHCP agent nor router namespaces
    for net in cloud.networks.values():
        out += _metadata_problems(cloud, net.id) if ovn else _dhcp_problems(cloud, net.id)
    for router in cloud.routers.values():
        if not ovn and f"qrouter-{router.id}" not in cloud.wiring(router.host).namespaces:
            out.append(f"router {router.id}: no namespace on {router.host}")
    for host, alloc in cloud.alloc.items():
        tags = [t for t, _ in alloc.tags.values()]
        if len(tags) != len(set(tags)):
            out.append(f"host {host}: a local VLAN tag serves two networks")
    return out


def _instance_problems(cloud: Cloud, uuid: str) -> list[str]:
    inst = cloud.instances[uuid]
    out = []
    wiring = cloud.wiring(inst.host)
    domain = next((d for d in wiring.domains if d.instance_id == uuid), None)
    if domain is None:
        return [f"instance {uuid}: no libvirt domain on {inst.host}"]
    ovs_names = {p.name for p in wiring.ovs_ports}
    for port_id in inst.port_ids:
        port = cloud.ports.get(port_id)
        if port is None:
            out.append(f"instance {uuid}: missing port {port_id}")
            continue
        if (port.host, port.device_id, port.device_owner) != (inst.host, uuid, OWNER_COMPUTE):
            out.append(f"instance {uuid}: port {port_id} not bound to it on {inst.host}")
        if not any(i.mac == port.mac for i in domain.interfaces):
            out.append(f"instance {uuid}: MAC {port.mac} not in its domain")
        if cloud.spec.driver in ("ovs", "ovn") and not {"qvo" + port.id[:11],
                                               "tap" + port.id[:11]} & ovs_names:
            out.append(f"instance {uuid}: port {port_id} not on br-int")
    return out


def _dhcp_problems(cloud: Cloud, network_id: str) -> list[str]:
    net = cloud.networks[network_id]
    dhcp = [p for p in cloud.ports_on_network(net.id) if p.device_owner == OWNER_DHCP]
    if not any(cloud.subnets[s].enable_dhcp for s in net.subnet_ids):
        return [f"network {net.id}: DHCP port without DHCP subnet"] if dhcp else []
    host = cloud.dhcp_host(net.id)
    if host is None or not cloud.hosts[host].is_network:
        return [f"network {net.id}: no DHCP network host"]
    out = []
    if f"qdhcp-{net.id}" not in cloud.wiring(host).namespaces:
        out.append(f"network {net.id}: no qdhcp namespace on {host}")
    if len(dhcp) != 1 or dhcp[0].host != host:
        out.append(f"network {net.id}: {len(dhcp)} DHCP ports, expected 1 on {host}")
    return out


def _metadata_problems(cloud: Cloud, network_id: str) -> list[str]:
    """ML2/OVN: one unbound metadata port per network with DHCP, and an `ovnmeta-`
    namespace on each compute where the network has an instance port."""
    net = cloud.networks[network_id]
    ports = [p for p in cloud.ports_on_network(net.id) if p.device_owner == OWNER_DISTRIBUTED]
    if not any(cloud.subnets[s].enable_dhcp for s in net.subnet_ids):
        return [f"network {net.id}: metadata port without DHCP subnet"] if ports else []
    if len(ports) != 1 or ports[0].host:
        return [f"network {net.id}: {len(ports)} metadata ports, expected 1 unbound"]
    hosts = {p.host for p in cloud.ports_on_network(net.id) if p.device_owner == OWNER_COMPUTE}
    return [f"network {net.id}: no ovnmeta namespace on {h}" for h in sorted(hosts)
            if f"ovnmeta-{net.id}" not in cloud.wiring(h).namespaces]


def truth_problems(truth: dict[str, list[dict[str, Any]]], env: str) -> list[str]:
    out: list[str] = []
    objects = truth["objects"]
    keys = Counter((o["type"], o["id"]) for o in objects)
    out += [f"object {k} appears {n} times" for k, n in keys.items() if n > 1]
    ids = {o["id"] for o in objects} | {env}
    for obj in objects:
        where = f"{obj['type']} {obj['id']}"
        if obj["parent_id"] not in ids:
            out.append(f"{where}: parent {obj['parent_id']} missing")
        if not obj["id_path"].startswith(f"/{env}/") or \
                not obj["id_path"].endswith("/" + obj["id"]):
            out.append(f"{where}: bad id_path {obj['id_path']}")
        if not obj["name_path"].startswith(f"/{env}/"):
            out.append(f"{where}: bad name_path {obj['name_path']}")
    for link in truth["links"]:
        for end in ("source_id", "target_id"):
            if link[end] not in ids:
                out.append(f"link {link['link_type']}: {end} {link[end]} missing")
    for clique in truth["cliques"]:
        if not set(clique["objects"]) <= ids:
            out.append(f"clique of {clique['focal_point_id']}: unknown objects")
    return out
