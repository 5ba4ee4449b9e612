"""Record builders behind `Cloud`'s mutations: validation, defaults, allocation."""

from __future__ import annotations

import ipaddress
import itertools
from typing import TYPE_CHECKING, Any

from calipso.errors import Conflict, InvalidInput
from calipso.sim.model import (
    OWNER_COMPUTE,
    OWNER_DHCP,
    OWNER_DISTRIBUTED,
    OWNER_ROUTER_GATEWAY,
    OWNER_ROUTER_INTERFACE,
    Agent,
    FixedIp,
    Host,
    Network,
    Port,
    Subnet,
)
from calipso.sim.spec import TopologySpec

if TYPE_CHECKING:
    from collections.abc import Iterable

    from calipso.sim.cloud import Cloud
    from calipso.sim.cloud_index import CloudIndex

PHYSNET = "physnet1"
VXLAN_OVERHEAD = 50
GENEVE_OVERHEAD = 58  # Neutron's ML2/OVN default MTU: 1442


def new_network(
    cloud: Cloud, name: str, project_id: str, network_type: str | None, shared: bool,
    external: bool, physnet: str | None, segmentation_id: int | None, mtu: int | None,
    network_id: str | None,
) -> Network:
    spec = cloud.spec
    ntype = network_type or ("flat" if external else spec.type_driver)
    if ntype not in ("vxlan", "vlan", "flat", "geneve"):
        raise InvalidInput(f"unknown network type {ntype}", field="provider:network_type")
    if network_id and network_id in cloud.networks:
        raise Conflict(f"network {network_id} exists", field="id")
    seg: int | None = None
    if ntype != "flat":
        lo, hi = spec.vlan_range if ntype == "vlan" else spec.vni_range
        if segmentation_id is None:
            seg = lo
            while cloud.segment_taken(ntype, seg):
                seg += 1
            if seg > hi:
                raise Conflict(f"no free {ntype} segment", field="provider:segmentation_id")
        else:
            seg = segmentation_id
        cloud.take_segment(ntype, seg)
    if ntype in ("vxlan", "geneve"):
        physnet = None
        default_mtu = spec.mtu - (VXLAN_OVERHEAD if ntype == "vxlan" else GENEVE_OVERHEAD)
    else:
        physnet = physnet or PHYSNET
        default_mtu = spec.mtu
    return Network(
        id=network_id or cloud.new_uuid(), name=name, project_id=project_id,
        network_type=ntype, segmentation_id=seg, physnet=physnet, shared=shared,
        external=external, mtu=mtu or default_mtu,
    )


def new_subnet(
    cloud: Cloud, net: Network, cidr: str, name: str, enable_dhcp: bool,
    gateway_ip: str | None, subnet_id: str | None,
) -> Subnet:
    try:
        block = ipaddress.ip_network(cidr, strict=True)
    except ValueError as err:
        raise InvalidInput(f"bad cidr {cidr}: {err}", field="cidr") from err
    if block.version != 4 or block.prefixlen > 29:
        raise InvalidInput(f"cidr {cidr}: IPv4 /29 or larger only", field="cidr")
    if subnet_id and subnet_id in cloud.subnets:
        raise Conflict(f"subnet {subnet_id} exists", field="id")
    first, last = int(block.network_address) + 1, int(block.broadcast_address) - 1
    gw = str(ipaddress.ip_address(first)) if gateway_ip == "auto" else gateway_ip
    pool_start = first + 1 if gw == str(ipaddress.ip_address(first)) else first
    pools = ((str(ipaddress.ip_address(pool_start)), str(ipaddress.ip_address(last))),)
    return Subnet(
        id=subnet_id or cloud.new_uuid(), name=name, network_id=net.id,
        project_id=net.project_id, cidr=str(block), gateway_ip=gw,
        enable_dhcp=enable_dhcp, allocation_pools=pools,
        dns_nameservers=("8.8.8.8",) if not net.external else (),
    )


def first_free(sub: Subnet, used: set[int], hint: dict[str, int]) -> int:
    """Lowest free address of the pool at or after the subnet's cursor (wrapping once)."""
    start = int(ipaddress.ip_address(sub.allocation_pools[0][0]))
    end = int(ipaddress.ip_address(sub.allocation_pools[-1][1]))
    cursor = max(start, hint.get(sub.id, start))
    for value in itertools.chain(range(cursor, end + 1), range(start, cursor)):
        if value not in used:
            hint[sub.id] = value + 1
            return value
    raise Conflict(f"no more IP addresses in subnet {sub.id}", field="fixed_ips")


def vif_binding(spec: TopologySpec, device_owner: str, port_id: str, host: str,
                ) -> tuple[str, dict[str, Any]]:
    """`binding:vif_type` and `binding:vif_details` as the ML2 driver reports them."""
    if not host:
        return "unbound", {}
    if spec.driver == "ovs":
        return "ovs", {
            "bridge_name": "br-int", "connectivity": "l2", "datapath_type": spec.ovs_datapath,
            "ovs_hybrid_plug": spec.firewall == "hybrid",
            "port_filter": spec.firewall != "noop",
        }
    if spec.driver == "lxb":
        return "bridge", {"connectivity": "l2", "port_filter": True}
    if spec.driver == "ovn":
        return "ovs", {"bridge_name": "br-int", "connectivity": "l2",
                       "datapath_type": "system", "port_filter": True}
    if device_owner == OWNER_COMPUTE:
        return "vhostuser", {"vhostuser_socket": f"/var/run/vpp/vhost/{port_id}",
                             "vhostuser_mode": "server", "vhostuser_vpp_plug": True}
    return "tap", {}


def new_port(
    cloud: Cloud, net: Network, device_owner: str, device_id: str, host: str, name: str,
    project_id: str, fixed_ips: Iterable[tuple[str, str | None]] | None, mac: str | None,
    port_id: str | None,
) -> Port:
    if port_id and port_id in cloud.ports:
        raise Conflict(f"port {port_id} exists", field="id")
    if mac and mac in cloud._macs:
        raise Conflict(f"MAC {mac} in use", field="mac_address")
    if fixed_ips is None:
        wanted: list[tuple[str, str | None]] = [(net.subnet_ids[0], None)] if net.subnet_ids \
            else []
    else:
        wanted = list(fixed_ips)
    ips: list[FixedIp] = []
    for subnet_id, ip in wanted:
        sub = cloud.subnet(subnet_id)
        if sub.network_id != net.id:
            raise InvalidInput(f"subnet {subnet_id} is not on network {net.id}",
                               field="fixed_ips")
        ips.append(cloud.allocate_ip(sub, ip))
    ident = port_id or cloud.new_uuid()
    if mac:
        cloud._macs.add(mac)
    vif_type, details = vif_binding(cloud.spec, device_owner, ident, host)
    return Port(
        id=ident, name=name, network_id=net.id, project_id=project_id,
        mac=mac or cloud.new_mac(), device_owner=device_owner, device_id=device_id,
        host=host, vif_type=vif_type, vif_details=details, fixed_ips=tuple(ips),
        status="ACTIVE" if host else "DOWN",
    )


def least_loaded_compute(cloud: Cloud, region: str | None = None) -> Host:
    computes = [h for h in cloud.compute_hosts() if region in (None, h.region)]
    if not computes:
        raise Conflict("no compute host", field="host")
    return min(computes, key=lambda h: (len(cloud._instances_by_host.get(h.name, ())), h.index))


def live_configurations(cloud: CloudIndex, agent: Agent) -> dict[str, Any]:
    conf = dict(agent.configurations)
    host = agent.host
    if agent.binary in ("neutron-openvswitch-agent", "neutron-linuxbridge-agent"):
        conf["devices"] = len(cloud._ports_by_host.get(host, ()))
    elif agent.binary == "neutron-dhcp-agent":
        nets = [n for n, h in cloud._dhcp_host.items() if h == host]
        conf["networks"] = len(nets)
        conf["subnets"] = sum(len(cloud.networks[n].subnet_ids) for n in nets)
        conf["ports"] = sum(len(cloud._ports_by_network.get(n, ())) for n in nets)
    elif agent.binary == "neutron-l3-agent":
        routers = [r for r in cloud.routers.values() if r.host == host]
        ports = [p for r in routers for p in cloud.router_ports(r.id)]
        conf["routers"] = len(routers)
        conf["interfaces"] = sum(p.device_owner == OWNER_ROUTER_INTERFACE for p in ports)
        conf["ex_gw_ports"] = sum(p.device_owner == OWNER_ROUTER_GATEWAY for p in ports)
        conf["floating_ips"] = 0
    return conf


def dhcp_ports(cloud: Cloud, network_id: str) -> list[Port]:
    return [p for p in cloud.ports_on_network(network_id) if p.device_owner in SERVICE_OWNERS]


# Ports a network keeps for itself: the DHCP agent's, or ML2/OVN's metadata port
SERVICE_OWNERS = frozenset({OWNER_DHCP, OWNER_DISTRIBUTED})
