"""Build a `Cloud` from a `TopologySpec`: deterministic for a seed, fast at 20,000 VMs."""

from __future__ import annotations

import ipaddress
import math

from calipso.errors import ConfigError
from calipso.sim.cloud import Cloud
from calipso.sim.cloud_ops import PHYSNET
from calipso.sim.model import (
    Agent,
    Aggregate,
    AvailabilityZone,
    Bond,
    CatalogService,
    Flavor,
    Host,
    Image,
    Network,
    OsRelease,
    Pnic,
    Project,
    Region,
    User,
)
from calipso.sim.spec import NetworkSpec, RouterSpec, TopologySpec
from calipso.sim.wiring_drivers import has_provider_bridge, has_tunnels

SERVICE_PROJECT = "service"
INTERNAL_ZONE = "internal"
EXTERNAL_CIDR = "203.0.113.0/24"
TENANT_SPACE = ipaddress.ip_network("10.128.0.0/9")
NIC_VENDOR = "3c:fd:fe"  # Intel
SERVICES = (("keystone", "identity"), ("nova", "compute"), ("neutron", "network"),
            ("placement", "placement"), ("glance", "image"))
FLAVORS = (("1", "m1.tiny", 1, 512, 1), ("2", "m1.small", 1, 2048, 20),
           ("3", "m1.medium", 2, 4096, 40))


def generate(spec: TopologySpec) -> Cloud:
    cloud = Cloud(spec)
    _identity(cloud)
    _hosts(cloud)
    _agents(cloud)
    _aggregates(cloud)
    nets = _networks(cloud)
    _routers(cloud, nets)
    _instances(cloud, nets)
    return cloud


def _identity(cloud: Cloud) -> None:
    spec = cloud.spec
    for name in spec.regions:
        cloud.add_static(Region(name))
    for name, type_ in SERVICES:
        endpoints = tuple((i, cloud.new_hex_id()) for i in ("public", "internal", "admin"))
        cloud.add_static(CatalogService(cloud.new_hex_id(), name, type_, endpoints))
    for name in (*spec.availability_zones, INTERNAL_ZONE):
        cloud.add_static(AvailabilityZone(name, spec.regions[0]))
    names = list(dict.fromkeys([*spec.projects, SERVICE_PROJECT]))
    ids = {}
    for name in names:
        ids[name] = cloud.new_hex_id()
        cloud.add_static(Project(ids[name], name, f"{name} project"))
    admin_project = ids[spec.projects[0]]
    cloud.add_static(User(cloud.new_hex_id(), "admin", "admin-secret", admin_project))
    for service in ("nova", "neutron", "placement"):
        cloud.add_static(User(cloud.new_hex_id(), service, f"{service}-secret",
                              ids[SERVICE_PROJECT], ("service",)))
    for ident, name, vcpus, ram, disk in FLAVORS:
        cloud.add_static(Flavor(ident, name, vcpus, ram, disk))
    cloud.add_static(Image(cloud.new_uuid(), "cirros-0.6.2-x86_64-disk"))


def _roles(spec: TopologySpec) -> list[frozenset[str]]:
    if spec.all_in_one:
        return [frozenset({"controller", "network", "compute"})]
    counts = spec.host_counts()
    return ([frozenset({"controller"})] * counts.controllers
            + [frozenset({"controller", "network"})] * counts.combined
            + [frozenset({"network"})] * counts.networks
            + [frozenset({"compute"})] * counts.computes)


def _mac(cloud: Cloud) -> str:
    return cloud.new_mac(NIC_VENDOR)


def _hosts(cloud: Cloud) -> None:
    spec = cloud.spec
    zones = spec.availability_zones
    os_release = OsRelease()
    bonds_left = spec.bonds
    compute_no = 0
    # several regions: each role's hosts go round-robin over the regions, and each
    # region's computes round-robin over its zones (every region has every zone)
    of_role: dict[frozenset[str], int] = {}
    in_region: dict[str, int] = {}
    for i, roles in enumerate(_roles(spec)):
        fqdn = f"{spec.host_prefix}{i + 1}.{spec.domain}"
        name = fqdn.split(".", 1)[0] if spec.short_host_names else fqdn
        region = spec.regions[of_role.get(roles, 0) % len(spec.regions)]
        of_role[roles] = of_role.get(roles, 0) + 1
        if "compute" in roles:
            zone = zones[in_region.get(region, 0) % len(zones)]
            in_region[region] = in_region.get(region, 0) + 1
            compute_no += 1
        else:
            zone = INTERNAL_ZONE
        n = i + 11
        ip = f"10.0.{n // 256}.{n % 256}"
        tunnel_ip = f"10.1.{n // 256}.{n % 256}"
        speed = 25_000 if "compute" in roles else 10_000
        pnics = [Pnic("eth0", _mac(cloud), 1000, f"{ip}/16", pci="0000:01:00.0"),
                 Pnic("eth1", _mac(cloud), speed, f"{tunnel_ip}/16", pci="0000:3b:00.0")]
        bonds: tuple[Bond, ...] = ()
        provider = "eth2"
        l2_host = bool(roles & {"compute", "network"})
        if bonds_left and l2_host:
            bonds_left -= 1
            slaves = [Pnic("eth2", _mac(cloud), speed, master="bond0", pci="0000:3b:00.1"),
                      Pnic("eth3", _mac(cloud), speed, master="bond0", pci="0000:5e:00.0")]
            pnics.extend(slaves)
            bonds = (Bond("bond0", slaves[0].mac, ("eth2", "eth3")),)
            provider = "bond0"
        else:
            pnics.append(Pnic("eth2", _mac(cloud), speed, pci="0000:3b:00.1"))
        cloud.add_static(Host(
            name=name, roles=roles, region=region, availability_zone=zone, ip=ip,
            tunnel_ip=tunnel_ip, ssh_address=f"127.1.{i // 250}.{i % 250 + 1}", index=i,
            hypervisor_id=compute_no if "compute" in roles else 0,
            hypervisor_uuid=cloud.new_uuid() if "compute" in roles else "",
            os=os_release, pnics=tuple(pnics), bonds=bonds, mgmt_iface="eth0",
            tunnel_iface="eth1", provider_iface=provider, fqdn=fqdn,
        ))


def _agent(cloud: Cloud, host: Host, binary: str, agent_type: str, topic: str,
           conf: dict[str, object], zone: str | None = None) -> None:
    cloud.add_static(Agent(cloud.new_uuid(), binary, agent_type, host.name, topic, conf, zone))


def _agents(cloud: Cloud) -> None:
    spec = cloud.spec
    for host in cloud.hosts.values():
        tunnels = has_tunnels(spec, host)
        mappings = {PHYSNET: "br-ex"} if has_provider_bridge(spec, host) else {}
        common = {"extensions": [], "l2_population": spec.l2_population,
                  "tunnel_types": ["vxlan"] if tunnels else [],
                  "tunneling_ip": host.tunnel_ip if tunnels else None}
        if host.is_compute or host.is_network:
            if spec.driver == "ovs":
                _agent(cloud, host, "neutron-openvswitch-agent", "Open vSwitch agent", "N/A", {
                    **common, "arp_responder_enabled": False, "bridge_mappings": mappings,
                    "datapath_type": spec.ovs_datapath, "enable_distributed_routing": False,
                    "in_distributed_mode": False, "integration_bridge": "br-int",
                    "log_agent_heartbeats": False, "ovs_hybrid_plug": spec.firewall == "hybrid",
                    "resource_provider_bandwidths": {},
                    "vhostuser_socket_dir": "/var/run/openvswitch"})
            elif spec.driver == "lxb":
                _agent(cloud, host, "neutron-linuxbridge-agent", "Linux bridge agent", "N/A", {
                    **common, "bridge_mappings": {},
                    "interface_mappings": {PHYSNET: host.provider_iface}})
            elif spec.driver == "ovn":
                _ovn_agents(cloud, host, mappings)
        if host.is_network and spec.driver != "ovn":
            iface = {"ovs": "openvswitch", "lxb": "linuxbridge", "vpp": "vpp"}[spec.driver]
            _agent(cloud, host, "neutron-dhcp-agent", "DHCP agent", "dhcp_agent", {
                "dhcp_driver": "neutron.agent.linux.dhcp.Dnsmasq", "dhcp_lease_duration": 86400,
                "log_agent_heartbeats": False}, "nova")
            _agent(cloud, host, "neutron-l3-agent", "L3 agent", "l3_agent", {
                "agent_mode": "legacy", "gateway_external_network_id": "",
                "handle_internal_only_routers": True, "interface_driver": iface,
                "log_agent_heartbeats": False}, "nova")
            _agent(cloud, host, "neutron-metadata-agent", "Metadata agent", "N/A", {
                "log_agent_heartbeats": False,
                "metadata_proxy_socket": "/var/lib/neutron/metadata_proxy",
                "nova_metadata_host": next(iter(cloud.hosts)), "nova_metadata_port": 8775})


def _ovn_agents(cloud: Cloud, host: Host, mappings: dict[str, str]) -> None:
    """ML2/OVN lists each chassis' ovn-controller (its id is the chassis name, the
    host's OVS system-id; the gateway flavour on network hosts) and, where instances run,
    the OVN metadata agent. No L2, DHCP or L3 agents."""
    gateway = host.is_network
    conf: dict[str, object] = {
        "chassis_name": "", "bridge-mappings": ",".join(f"{k}:{v}" for k, v in
                                                        mappings.items()),
        "datapath-type": "system", "iface-types": "erspan,geneve,gre,internal,ip6erspan,"
        "ip6gre,lisp,patch,stt,system,tap,vxlan", "log_agent_heartbeats": False}
    if gateway:
        conf["ovn-cms-options"] = "enable-chassis-as-gw"
    chassis = cloud.new_uuid()
    cloud.add_static(Agent(chassis, "ovn-controller", "OVN Controller Gateway agent"
                           if gateway else "OVN Controller agent", host.name, "n/a",
                           {**conf, "chassis_name": chassis}))
    if host.is_compute:
        _agent(cloud, host, "neutron-ovn-metadata-agent", "OVN Metadata agent", "n/a",
               {"chassis_name": chassis, "log_agent_heartbeats": False})


def _aggregates(cloud: Cloud) -> None:
    # the first region's Nova holds the aggregates
    computes = [h for h in cloud.compute_hosts() if h.region == cloud.spec.regions[0]]
    for i, agg in enumerate(cloud.spec.aggregates, start=1):
        members = [h.name for h in computes
                   if agg.availability_zone in (None, h.availability_zone)][:agg.hosts]
        cloud.add_static(Aggregate(i, cloud.new_uuid(), agg.name, agg.availability_zone,
                                   tuple(members), tuple(sorted(agg.metadata.items()))))


class _CidrCursor:
    """Hands out aligned, non-overlapping blocks of the tenant address space."""

    def __init__(self) -> None:
        self.next = int(TENANT_SPACE.network_address)

    def take(self, prefixlen: int) -> str:
        size = 1 << (32 - prefixlen)
        start = -(-self.next // size) * size
        self.next = start + size
        return f"{ipaddress.ip_address(start)}/{prefixlen}"


def _prefix_for(addresses: int) -> int:
    return min(24, 32 - math.ceil(math.log2(addresses * 1.25 + 8)))


def _project_id(cloud: Cloud, name: str | None, k: int) -> str:
    tenants = [p for p in cloud.projects.values() if p.name != SERVICE_PROJECT]
    if name is None:
        return tenants[k % len(tenants)].id
    for p in tenants:
        if p.name == name:
            return p.id
    raise ConfigError(f"spec: unknown project {name}")


def _network_specs(spec: TopologySpec) -> list[NetworkSpec]:
    if not isinstance(spec.networks, int):
        return list(spec.networks)
    out = []
    if spec.external_network:  # one per region: `public`, then `public-<region>`
        for r, region in enumerate(spec.regions):
            cidr = EXTERNAL_CIDR if r == 0 else f"203.0.{113 + r}.0/24"
            out.append(NetworkSpec(name=_external_name(spec, r), type="flat",
                                   project=spec.projects[0], external=True, subnets=[cidr],
                                   no_dhcp=[cidr], region=region))
    per_net = spec.instances * spec.ports_per_instance / max(1, spec.networks)
    prefix = _prefix_for(int(per_net / spec.subnets_per_network) + 4)
    cursor = _CidrCursor()
    for i in range(spec.networks):
        cidrs = [cursor.take(prefix) for _ in range(spec.subnets_per_network)]
        out.append(NetworkSpec(name=f"net{i + 1}", subnets=cidrs,
                               no_dhcp=[] if spec.dhcp else cidrs,
                               region=spec.regions[i % len(spec.regions)]))
    return out


def _external_name(spec: TopologySpec, region_no: int) -> str:
    return "public" if region_no == 0 else f"public-{spec.regions[region_no]}"


def _networks(cloud: Cloud) -> list[Network]:
    tenant_nets = []
    for k, ns in enumerate(_network_specs(cloud.spec)):
        project = _project_id(cloud, ns.project, k)
        net = cloud.create_network(ns.name, project, ns.type, shared=ns.shared,
                                   external=ns.external, region=ns.region)
        for j, cidr in enumerate(ns.subnets):
            cloud.create_subnet(net.id, cidr, f"{ns.name}-subnet{j + 1}",
                                enable_dhcp=cidr not in ns.no_dhcp)
        if not ns.external:
            tenant_nets.append(cloud.networks[net.id])
    return tenant_nets


def _router_specs(cloud: Cloud, nets: list[Network]) -> list[RouterSpec]:
    spec = cloud.spec
    if not isinstance(spec.routers, int):
        return list(spec.routers)
    count = min(spec.routers, len(nets))
    out: list[RouterSpec] = []
    for r, region in enumerate(spec.regions):  # routers round-robin over the regions
        local = [n for n in nets if cloud.region_of_network(n.id) == region]
        here = min(len(range(r, count, len(spec.regions))), len(local))
        gateway = _external_name(spec, r) if spec.external_network else None
        out += [RouterSpec(name=f"router{len(out) + i + 1}", gateway=gateway,
                           project=cloud.projects[local[i].project_id].name,
                           interfaces=[n.name for n in local[i::here]])
                for i in range(here)]
    return out


def _routers(cloud: Cloud, nets: list[Network]) -> None:
    by_name = {n.name: n for n in cloud.networks.values()}
    for rs in _router_specs(cloud, nets):
        gw = by_name[rs.gateway].id if rs.gateway else None
        first = by_name[rs.interfaces[0]].id if rs.interfaces else gw
        router = cloud.create_router(rs.name, _project_id(cloud, rs.project, 0),
                                     external_network_id=gw, region=first and
                                     cloud.region_of_network(first))
        for net_name in rs.interfaces:
            net = cloud.networks[by_name[net_name].id]
            cloud.add_router_interface(router.id, net.subnet_ids[0])


def _instances(cloud: Cloud, nets: list[Network]) -> None:
    spec = cloud.spec
    computes = cloud.compute_hosts()
    if not spec.instances or not nets:
        return
    # an instance's networks and host are in one region (the first network's)
    by_project: dict[tuple[str, str], list[Network]] = {}
    for net in nets:
        by_project.setdefault((net.project_id, cloud.region_of_network(net.id)), []).append(net)
    local: dict[str, list[Host]] = {}
    for host in computes:
        local.setdefault(host.region, []).append(host)
    placed: dict[str, int] = {}
    names = {p.id: p.name for p in cloud.projects.values()}
    flavors = list(cloud.flavors)
    for k in range(spec.instances):
        first = nets[k % len(nets)]
        region = cloud.region_of_network(first.id)
        pool = by_project[(first.project_id, region)]
        start = pool.index(first)
        chosen = [pool[(start + j) % len(pool)].id for j in range(spec.ports_per_instance)]
        if region not in local:
            raise ConfigError(f"spec: region {region} has networks but no compute host")
        n = placed[region] = placed.get(region, -1) + 1
        cloud.create_instance(
            f"{names[first.project_id]}-vm{k + 1}", first.project_id, chosen,
            host=local[region][n % len(local[region])].name,
            flavor_id=flavors[k % len(flavors)])
