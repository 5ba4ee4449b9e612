"""The simulated cloud: every record, its indexes, and the mutations channels call.

`Cloud` is the one mutable object of the simulator. Records (see `model`) are frozen; a
mutation replaces them and keeps every index and allocation consistent, then tells the
listeners (`subscribe`) one `Change` per record created, updated or deleted, in order.
Per-host wiring (bridges, OVS ports, namespaces, tunnels) is derived on demand by
`Cloud.wiring(host)` from the records plus the stable numbers kept in `HostAlloc`.
"""

from __future__ import annotations

import ipaddress
import random
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar

from calipso.errors import Conflict, InvalidInput, NotFound
from calipso.sim import cloud_ops
from calipso.sim.model import (
    OWNER_COMPUTE,
    OWNER_DHCP,
    OWNER_ROUTER_GATEWAY,
    OWNER_ROUTER_INTERFACE,
    Agent,
    Aggregate,
    AvailabilityZone,
    CatalogService,
    FixedIp,
    Flavor,
    Host,
    Image,
    Instance,
    Network,
    Port,
    Project,
    Region,
    Router,
    Subnet,
    User,
)
from calipso.sim.spec import TopologySpec
from calipso.sim.wiring import HostWiring, derive_wiring

Action = Literal["create", "update", "delete"]
T = TypeVar("T")
# Fixed numbering on every OVS host (see wiring.py): datapath ports 0..5 and br-int
# ofports 1..2 are the bridges, patches, vxlan_sys_4789 and the provider NIC.
FIRST_DP_PORT = 6
FIRST_INT_OFPORT = 3
FIRST_VPP_IF = 3  # sw_if_index 0 local0, 1 provider NIC, 2 tunnel NIC


@dataclass(frozen=True, slots=True)
class Change:
    """One record changed. `record` is the new record (the old one for deletes)."""

    version: int
    action: Action
    kind: str  # network | subnet | port | instance | router
    id: str
    record: Any


Listener = Callable[[Change], None]


class HostAlloc:
    """Numbers a host hands out and keeps while the thing lives (stable across reads)."""

    __slots__ = ("next_domain", "next_dp", "next_ofport", "next_vpp_if", "ports", "tags")

    def __init__(self) -> None:
        self.next_dp = FIRST_DP_PORT
        self.next_ofport = FIRST_INT_OFPORT
        self.next_vpp_if = FIRST_VPP_IF
        self.next_domain = 1
        # port id -> (datapath port, br-int ofport, vpp sw_if_index)
        self.ports: dict[str, tuple[int, int, int]] = {}
        # network id -> [local VLAN tag (OVS) / bridge domain id (VPP), ports using it]
        self.tags: dict[str, list[int]] = {}

    def bind(self, port_id: str, network_id: str) -> None:
        self.ports[port_id] = (self.next_dp, self.next_ofport, self.next_vpp_if)
        self.next_dp += 1
        self.next_ofport += 1
        self.next_vpp_if += 1
        entry = self.tags.get(network_id)
        if entry is None:
            used = {tag for tag, _ in self.tags.values()}
            tag = 1
            while tag in used:
                tag += 1
            self.tags[network_id] = [tag, 1]
        else:
            entry[1] += 1

    def unbind(self, port_id: str, network_id: str) -> None:
        self.ports.pop(port_id, None)
        entry = self.tags.get(network_id)
        if entry is not None:
            entry[1] -= 1
            if entry[1] <= 0:
                del self.tags[network_id]

    def tag(self, network_id: str) -> int | None:
        entry = self.tags.get(network_id)
        return entry[0] if entry else None


class Cloud:
    """All records of one simulated cloud, indexed, with consistent mutations.

    Plain dict attributes (`hosts`, `networks`, `ports`, …) map id -> record, in creation
    order; treat them as read-only and mutate only through the methods.
    """

    def __init__(self, spec: TopologySpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.version = 0
        self.regions: dict[str, Region] = {}
        self.catalog: dict[str, CatalogService] = {}  # by service name
        self.endpoint_urls: dict[tuple[str, str], str] = {}  # (service, interface) -> URL
        self.availability_zones: dict[str, AvailabilityZone] = {}
        self.aggregates: dict[int, Aggregate] = {}
        self.projects: dict[str, Project] = {}
        self.users: dict[str, User] = {}
        self.hosts: dict[str, Host] = {}
        self.flavors: dict[str, Flavor] = {}
        self.images: dict[str, Image] = {}
        self.agents: dict[str, Agent] = {}
        self.networks: dict[str, Network] = {}
        self.subnets: dict[str, Subnet] = {}
        self.ports: dict[str, Port] = {}
        self.instances: dict[str, Instance] = {}
        self.routers: dict[str, Router] = {}
        self.alloc: dict[str, HostAlloc] = {}
        # secondary indexes: key -> {id: None} (ordered sets)
        self._ports_by_host: dict[str, dict[str, None]] = {}
        self._ports_by_network: dict[str, dict[str, None]] = {}
        self._ports_by_device: dict[str, dict[str, None]] = {}
        self._instances_by_host: dict[str, dict[str, None]] = {}
        self._agents_by_host: dict[str, dict[str, None]] = {}
        self._dhcp_host: dict[str, str] = {}  # network id -> network host serving DHCP
        self._ips_used: dict[str, set[int]] = {}
        self._ip_hint: dict[str, int] = {}
        self._macs: set[str] = set()
        self._segments: set[tuple[str, int]] = set()
        self._next_instance_db_id = 1
        self._round_robin = 0
        self._listeners: list[Listener] = []
        self._wiring_cache: dict[str, Any] = {}

    # ---- ids -------------------------------------------------------------------------

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def new_hex_id(self) -> str:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4).hex

    def new_mac(self, prefix: str = "fa:16:3e") -> str:
        while True:
            n = self.rng.getrandbits(24)
            mac = f"{prefix}:{n >> 16:02x}:{(n >> 8) & 0xFF:02x}:{n & 0xFF:02x}"
            if mac not in self._macs:
                self._macs.add(mac)
                return mac

    # ---- listeners -------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(change)` after every change; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, action: Action, kind: str, ident: str, record: Any) -> None:
        self.version += 1
        self._wiring_cache.clear()
        if self._listeners:
            change = Change(self.version, action, kind, ident, record)
            for listener in tuple(self._listeners):
                listener(change)

    # ---- lookups ---------------------------------------------------------------------

    def _get(self, table: Mapping[Any, T], kind: str, ident: Any) -> T:
        try:
            return table[ident]
        except KeyError:
            raise NotFound(f"{kind} {ident} not found", field=f"{kind}_id") from None

    def host(self, name: str) -> Host:
        return self._get(self.hosts, "host", name)

    def network(self, network_id: str) -> Network:
        return self._get(self.networks, "network", network_id)

    def subnet(self, subnet_id: str) -> Subnet:
        return self._get(self.subnets, "subnet", subnet_id)

    def port(self, port_id: str) -> Port:
        return self._get(self.ports, "port", port_id)

    def instance(self, uuid_: str) -> Instance:
        return self._get(self.instances, "instance", uuid_)

    def router(self, router_id: str) -> Router:
        return self._get(self.routers, "router", router_id)

    def ports_on_host(self, host: str) -> list[Port]:
        return [self.ports[i] for i in self._ports_by_host.get(host, ())]

    def ports_on_network(self, network_id: str) -> list[Port]:
        return [self.ports[i] for i in self._ports_by_network.get(network_id, ())]

    def ports_of_device(self, device_id: str) -> list[Port]:
        return [self.ports[i] for i in self._ports_by_device.get(device_id, ())]

    def instances_on_host(self, host: str) -> list[Instance]:
        return [self.instances[i] for i in self._instances_by_host.get(host, ())]

    def agents_on_host(self, host: str) -> list[Agent]:
        return [self.agents[i] for i in self._agents_by_host.get(host, ())]

    def subnets_of(self, network_id: str) -> list[Subnet]:
        return [self.subnets[s] for s in self.network(network_id).subnet_ids]

    def dhcp_host(self, network_id: str) -> str | None:
        """The network host whose DHCP agent serves this network (None: no DHCP subnet)."""
        return self._dhcp_host.get(network_id)

    def network_hosts(self) -> list[Host]:
        return [h for h in self.hosts.values() if h.is_network]

    def compute_hosts(self) -> list[Host]:
        return [h for h in self.hosts.values() if h.is_compute]

    def router_ports(self, router_id: str) -> list[Port]:
        return [p for p in self.ports_of_device(router_id)
                if p.device_owner in (OWNER_ROUTER_INTERFACE, OWNER_ROUTER_GATEWAY)]

    def agent_configurations(self, agent_id: str) -> dict[str, Any]:
        """The agent's `configurations` with the live counts real agents report."""
        return cloud_ops.live_configurations(self, self._get(self.agents, "agent", agent_id))

    def wiring(self, host: str) -> HostWiring:
        """Derived networking of a host, cached until the next change."""
        cached = self._wiring_cache.get(host)
        if cached is None:
            cached = self._wiring_cache[host] = derive_wiring(self, self.host(host))
        return cached

    # ---- static records (generator) --------------------------------------------------

    def set_endpoint_url(self, service: str, interface: str, url: str) -> None:
        """Record where a channel serves `service` (interface public/internal/admin)."""
        self._get(self.catalog, "service", service)
        self.endpoint_urls[(service, interface)] = url

    def add_static(self, record: Region | CatalogService | AvailabilityZone | Aggregate
                   | Project | User | Host | Flavor | Image | Agent) -> None:
        """Add a record that channels never create (the generator's building blocks)."""
        if isinstance(record, CatalogService):
            self.catalog[record.name] = record
        elif isinstance(record, Region):
            self.regions[record.name] = record
        elif isinstance(record, AvailabilityZone):
            self.availability_zones[record.name] = record
        elif isinstance(record, Aggregate):
            self.aggregates[record.id] = record
        elif isinstance(record, Project):
            self.projects[record.id] = record
        elif isinstance(record, User):
            self.users[record.id] = record
        elif isinstance(record, Host):
            self.hosts[record.name] = record
            self.alloc[record.name] = HostAlloc()
        elif isinstance(record, Flavor):
            self.flavors[record.id] = record
        elif isinstance(record, Image):
            self.images[record.id] = record
        else:
            self.agents[record.id] = record
            self._agents_by_host.setdefault(record.host, {})[record.id] = None

    # ---- networks and subnets --------------------------------------------------------

    def create_network(
        self, name: str, project_id: str, network_type: str | None = None, *,
        shared: bool = False, external: bool = False, physnet: str | None = None,
        segmentation_id: int | None = None, mtu: int | None = None,
        network_id: str | None = None,
    ) -> Network:
        self._get(self.projects, "project", project_id)
        net = cloud_ops.new_network(self, name, project_id, network_type, shared, external,
                                    physnet, segmentation_id, mtu, network_id)
        self.networks[net.id] = net
        self._emit("create", "network", net.id, net)
        return net

    def delete_network(self, network_id: str) -> None:
        net = self.network(network_id)
        busy = [p for p in self.ports_on_network(network_id) if p.device_owner != OWNER_DHCP]
        if busy:
            raise Conflict(f"network {network_id} has {len(busy)} ports in use",
                           field="network_id")
        for subnet_id in net.subnet_ids:
            self.delete_subnet(subnet_id)
        seg = self.networks.pop(network_id)
        if seg.segmentation_id is not None:
            self._segments.discard((seg.network_type, seg.segmentation_id))
        self._emit("delete", "network", network_id, net)

    def create_subnet(
        self, network_id: str, cidr: str, name: str = "", *, enable_dhcp: bool = True,
        gateway_ip: str | None = "auto", subnet_id: str | None = None,
    ) -> Subnet:
        net = self.network(network_id)
        sub = cloud_ops.new_subnet(self, net, cidr, name, enable_dhcp, gateway_ip, subnet_id)
        self.subnets[sub.id] = sub
        self._ips_used[sub.id] = set()
        self._reserve(sub, sub.gateway_ip)
        self.networks[net.id] = replace(net, subnet_ids=(*net.subnet_ids, sub.id))
        self._emit("create", "subnet", sub.id, sub)
        if enable_dhcp:
            self._ensure_dhcp_port(self.networks[net.id], sub)
        return sub

    def delete_subnet(self, subnet_id: str) -> None:
        sub = self.subnet(subnet_id)
        users = [p for p in self.ports_on_network(sub.network_id)
                 if any(ip.subnet_id == subnet_id for ip in p.fixed_ips)]
        if any(p.device_owner != OWNER_DHCP for p in users):
            raise Conflict(f"subnet {subnet_id} has ports in use", field="subnet_id")
        net = self.networks[sub.network_id]
        for port in users:  # DHCP ports: drop this subnet's address, or the port
            rest = tuple(ip for ip in port.fixed_ips if ip.subnet_id != subnet_id)
            if rest:
                self._update_port(replace(port, fixed_ips=rest))
            else:
                self.delete_port(port.id)
        del self.subnets[subnet_id]
        del self._ips_used[subnet_id]
        self._ip_hint.pop(subnet_id, None)
        self.networks[net.id] = replace(
            net, subnet_ids=tuple(s for s in net.subnet_ids if s != subnet_id))
        if not any(self.subnets[s].enable_dhcp for s in self.networks[net.id].subnet_ids):
            self._dhcp_host.pop(net.id, None)
        self._emit("delete", "subnet", subnet_id, sub)

    def _ensure_dhcp_port(self, net: Network, sub: Subnet) -> None:
        host = self._dhcp_host.get(net.id)
        if host is None:
            host = self._dhcp_host[net.id] = self._next_network_host()
        dhcp = [p for p in self.ports_on_network(net.id) if p.device_owner == OWNER_DHCP]
        if dhcp:
            port = dhcp[0]
            ip = self.allocate_ip(sub)
            self._update_port(replace(port, fixed_ips=(*port.fixed_ips, ip)))
            return
        agent = next((a for a in self.agents_on_host(host) if a.binary == "neutron-dhcp-agent"),
                     None)
        agent_key = agent.id if agent else self.new_uuid()
        device_id = f"dhcp{agent_key}-{net.id}"
        self.create_port(net.id, device_owner=OWNER_DHCP, device_id=device_id, host=host,
                         project_id=net.project_id)

    def _next_network_host(self) -> str:
        hosts = self.network_hosts()
        if not hosts:
            raise Conflict("no network host for DHCP or L3", field="host")
        host = hosts[self._round_robin % len(hosts)]
        self._round_robin += 1
        return host.name

    # ---- addresses -------------------------------------------------------------------

    def _reserve(self, sub: Subnet, ip: str | None) -> None:
        if ip:
            self._ips_used[sub.id].add(int(ipaddress.ip_address(ip)))

    def allocate_ip(self, sub: Subnet, ip: str | None = None) -> FixedIp:
        """Take `ip` (or the next free one of the allocation pools) in `sub`."""
        used = self._ips_used[sub.id]
        if ip is not None:
            value = int(ipaddress.ip_address(ip))
            if value in used:
                raise Conflict(f"IP address {ip} already allocated in subnet {sub.id}",
                               field="fixed_ips")
        else:
            value = cloud_ops.first_free(sub, used, self._ip_hint)
        used.add(value)
        return FixedIp(sub.id, str(ipaddress.ip_address(value)))

    # ---- ports -----------------------------------------------------------------------

    def create_port(
        self, network_id: str, *, device_owner: str = "", device_id: str = "",
        host: str = "", name: str = "", project_id: str | None = None,
        fixed_ips: Iterable[tuple[str, str | None]] | None = None, mac: str | None = None,
        port_id: str | None = None,
    ) -> Port:
        """Create a port; `fixed_ips` are (subnet id, ip or None); default: first subnet."""
        net = self.network(network_id)
        if host:
            self.host(host)
        port = cloud_ops.new_port(self, net, device_owner, device_id, host, name,
                                  project_id or net.project_id, fixed_ips, mac, port_id)
        self._index_port(port)
        self._emit("create", "port", port.id, port)
        return port

    def bind_port(self, port_id: str, host: str, device_owner: str = OWNER_COMPUTE,
                  device_id: str = "") -> Port:
        """Bind an (unbound) port to a host, as Nova does when it plugs it."""
        port = self.port(port_id)
        self.host(host)
        if port.host:
            raise Conflict(f"port {port_id} already bound to {port.host}", field="port_id")
        vif_type, details = cloud_ops.vif_binding(self.spec, device_owner, port.id, host)
        new = replace(port, host=host, device_owner=device_owner,
                      device_id=device_id or port.device_id, vif_type=vif_type,
                      vif_details=details, status="ACTIVE")
        self._unindex_port(port)
        self._index_port(new)
        self._emit("update", "port", new.id, new)
        return new

    def delete_port(self, port_id: str) -> None:
        port = self.port(port_id)
        if port.device_owner == OWNER_COMPUTE and port.device_id in self.instances:
            inst = self.instances[port.device_id]
            self.instances[inst.uuid] = replace(
                inst, port_ids=tuple(p for p in inst.port_ids if p != port_id))
        self._unindex_port(port)
        for ip in port.fixed_ips:
            self._ips_used.get(ip.subnet_id, set()).discard(
                int(ipaddress.ip_address(ip.ip_address)))
        self._macs.discard(port.mac)
        self._emit("delete", "port", port_id, port)

    def _update_port(self, port: Port) -> None:
        self._unindex_port(self.ports[port.id])
        self._index_port(port)
        self._emit("update", "port", port.id, port)

    def _index_port(self, port: Port) -> None:
        self.ports[port.id] = port
        self._ports_by_network.setdefault(port.network_id, {})[port.id] = None
        if port.device_id:
            self._ports_by_device.setdefault(port.device_id, {})[port.id] = None
        if port.host:
            self._ports_by_host.setdefault(port.host, {})[port.id] = None
            self.alloc[port.host].bind(port.id, port.network_id)

    def _unindex_port(self, port: Port) -> None:
        del self.ports[port.id]
        self._ports_by_network.get(port.network_id, {}).pop(port.id, None)
        self._ports_by_device.get(port.device_id, {}).pop(port.id, None)
        if port.host:
            self._ports_by_host.get(port.host, {}).pop(port.id, None)
            self.alloc[port.host].unbind(port.id, port.network_id)

    # ---- instances -------------------------------------------------------------------

    def create_instance(
        self, name: str, project_id: str, network_ids: Iterable[str], *, host: str | None = None,
        flavor_id: str | None = None, image_id: str | None = None, user_id: str | None = None,
        instance_id: str | None = None,
    ) -> Instance:
        """Boot an instance: one bound port per network, a libvirt domain on `host`."""
        self._get(self.projects, "project", project_id)
        nets = [self.network(n) for n in network_ids]
        if not nets:
            raise InvalidInput("an instance needs at least one network", field="networks")
        for net in nets:
            if not net.subnet_ids:
                raise Conflict(f"network {net.id} has no subnet", field="networks")
        host_rec = self.host(host) if host else cloud_ops.least_loaded_compute(self)
        if not host_rec.is_compute:
            raise InvalidInput(f"host {host_rec.name} is not a compute host", field="host")
        uuid_ = instance_id or self.new_uuid()
        if uuid_ in self.instances:
            raise Conflict(f"instance {uuid_} exists", field="id")
        ports: list[Port] = []
        try:
            for net in nets:
                ports.append(self.create_port(net.id, device_owner=OWNER_COMPUTE,
                                              device_id=uuid_, host=host_rec.name,
                                              project_id=project_id))
        except Exception:
            for port in ports:  # a failed boot leaves no ports behind
                self.delete_port(port.id)
            raise
        alloc = self.alloc[host_rec.name]
        inst = Instance(
            uuid=uuid_, name=name, db_id=self._next_instance_db_id,
            domain_id=alloc.next_domain, host=host_rec.name, project_id=project_id,
            user_id=user_id or next(iter(self.users)),
            flavor_id=flavor_id or next(iter(self.flavors)),
            image_id=image_id or next(iter(self.images)),
            port_ids=tuple(p.id for p in ports), availability_zone=host_rec.availability_zone,
        )
        self._next_instance_db_id += 1
        alloc.next_domain += 1
        self.instances[uuid_] = inst
        self._instances_by_host.setdefault(inst.host, {})[uuid_] = None
        self._emit("create", "instance", uuid_, inst)
        return inst

    def delete_instance(self, uuid_: str) -> None:
        inst = self.instance(uuid_)
        for port_id in inst.port_ids:
            if port_id in self.ports:
                self.delete_port(port_id)
        inst = self.instances.pop(uuid_)
        self._instances_by_host[inst.host].pop(uuid_, None)
        self._emit("delete", "instance", uuid_, inst)

    # ---- routers ---------------------------------------------------------------------

    def create_router(self, name: str, project_id: str, *,
                      external_network_id: str | None = None,
                      router_id: str | None = None) -> Router:
        self._get(self.projects, "project", project_id)
        router = Router(id=router_id or self.new_uuid(), name=name, project_id=project_id,
                        host=self._next_network_host())
        self.routers[router.id] = router
        self._emit("create", "router", router.id, router)
        if external_network_id:
            router = self.set_router_gateway(router.id, external_network_id)
        return router

    def set_router_gateway(self, router_id: str, network_id: str) -> Router:
        router = self.router(router_id)
        net = self.network(network_id)
        if not net.external:
            raise InvalidInput(f"network {network_id} is not external",
                               field="external_gateway_info")
        if router.gw_port_id:
            self.clear_router_gateway(router_id)
            router = self.routers[router_id]
        port = self.create_port(net.id, device_owner=OWNER_ROUTER_GATEWAY, device_id=router.id,
                                host=router.host, project_id="")
        router = replace(router, gw_network_id=net.id, gw_port_id=port.id)
        self.routers[router.id] = router
        self._emit("update", "router", router.id, router)
        return router

    def clear_router_gateway(self, router_id: str) -> Router:
        router = self.router(router_id)
        if router.gw_port_id and router.gw_port_id in self.ports:
            self.delete_port(router.gw_port_id)
        router = replace(router, gw_network_id=None, gw_port_id=None)
        self.routers[router.id] = router
        self._emit("update", "router", router.id, router)
        return router

    def add_router_interface(self, router_id: str, subnet_id: str) -> Port:
        """Plug a router into a subnet at its gateway IP (qr- device in qrouter-<id>)."""
        router = self.router(router_id)
        sub = self.subnet(subnet_id)
        for port in self.router_ports(router_id):
            if any(ip.subnet_id == subnet_id for ip in port.fixed_ips):
                raise Conflict(f"router {router_id} already has subnet {subnet_id}",
                               field="subnet_id")
        ips: list[tuple[str, str | None]] = [(sub.id, sub.gateway_ip)]
        if sub.gateway_ip:
            self._ips_used[sub.id].discard(int(ipaddress.ip_address(sub.gateway_ip)))
        port = self.create_port(sub.network_id, device_owner=OWNER_ROUTER_INTERFACE,
                                device_id=router.id, host=router.host,
                                project_id=router.project_id, fixed_ips=ips)
        self._emit("update", "router", router.id, router)
        return port

    def remove_router_interface(self, router_id: str, subnet_id: str) -> None:
        router = self.router(router_id)
        for port in self.router_ports(router_id):
            if (port.device_owner == OWNER_ROUTER_INTERFACE
                    and any(ip.subnet_id == subnet_id for ip in port.fixed_ips)):
                self.delete_port(port.id)
                sub = self.subnets.get(subnet_id)
                if sub is not None:
                    self._reserve(sub, sub.gateway_ip)
                self._emit("update", "router", router.id, router)
                return
        raise NotFound(f"router {router_id} has no interface on subnet {subnet_id}",
                       field="subnet_id")

    def delete_router(self, router_id: str) -> None:
        router = self.router(router_id)
        if any(p.device_owner == OWNER_ROUTER_INTERFACE for p in self.router_ports(router_id)):
            raise Conflict(f"router {router_id} still has interfaces", field="router_id")
        if router.gw_port_id:
            self.clear_router_gateway(router_id)
        router = self.routers.pop(router_id)
        self._emit("delete", "router", router_id, router)

    # ---- checks ----------------------------------------------------------------------

    def segment_taken(self, network_type: str, segmentation_id: int) -> bool:
        return (network_type, segmentation_id) in self._segments

    def take_segment(self, network_type: str, segmentation_id: int) -> None:
        if (network_type, segmentation_id) in self._segments:
            raise Conflict(f"{network_type} segment {segmentation_id} in use",
                           field="provider:segmentation_id")
        self._segments.add((network_type, segmentation_id))
