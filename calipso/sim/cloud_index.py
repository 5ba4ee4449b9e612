"""The read side of the simulated cloud: tables, indexes, lookups, ids, change feed.

`CloudIndex` holds every record and keeps the secondary indexes and per-host allocations
(`HostAlloc`); `cloud.Cloud` adds the mutations on top. Per-host wiring (bridges, OVS
ports, namespaces, tunnels) is derived on demand by `wiring(host)`.
"""

from __future__ import annotations

import functools
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar

from calipso.errors import Conflict, NotFound
from calipso.sim import cloud_ops
from calipso.sim.model import (
    OWNER_ROUTER_GATEWAY,
    OWNER_ROUTER_INTERFACE,
    Agent,
    Aggregate,
    AvailabilityZone,
    CatalogService,
    Flavor,
    Host,
    Image,
    Instance,
    Network,
    Port,
    Project,
    Region,
    Router,
    ServiceState,
    Subnet,
    User,
)
from calipso.sim.spec import TopologySpec
from calipso.sim.wiring import HostWiring, derive_wiring

Action = Literal["create", "update", "delete"]
T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")
# Fixed numbering on every OVS host (see wiring.py): datapath ports 0..5 and br-int
# ofports 1..2 are the bridges, patches, vxlan_sys_4789 and the provider NIC.
FIRST_DP_PORT = 6
FIRST_INT_OFPORT = 3
FIRST_VPP_IF = 3  # sw_if_index 0 local0, 1 provider NIC, 2 tunnel NIC


@dataclass(frozen=True, slots=True)
class Change:
    """One record changed. `record` is the new record (the old one for deletes);
    `previous`, for the updates of a move (a migration), the record it replaced.

    `op` names the outermost `Cloud` mutation (the API call) that made the change, e.g.
    `create_instance`, and `op_id` numbers those calls: every change of one call carries
    the same `op_id`, so a channel can group them (notifications follow API calls).
    """

    version: int
    action: Action
    kind: str  # network | subnet | port | instance | router
    id: str
    record: Any
    op: str = ""
    op_id: int = 0
    previous: Any = None


Listener = Callable[[Change], None]


def operation(method: Callable[Concatenate[Any, P], R]) -> Callable[Concatenate[Any, P], R]:
    """Mark a public mutation: its changes (and those of the mutations it calls) carry
    its name and one new `op_id`."""

    @functools.wraps(method)
    def wrapper(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._op is not None:
            return method(self, *args, **kwargs)
        self._op_seq += 1
        self._op = (self._op_seq, method.__name__)
        try:
            return method(self, *args, **kwargs)
        finally:
            self._op = None

    return wrapper


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


class CloudIndex:
    """All records of one simulated cloud, indexed.

    Plain dict attributes (`hosts`, `networks`, `ports`, …) map id -> record, in creation
    order; treat them as read-only and mutate only through `Cloud`'s methods.
    """

    def __init__(self, spec: TopologySpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.version = 0
        self.regions: dict[str, Region] = {}
        self.catalog: dict[str, CatalogService] = {}  # by service name
        self.endpoint_urls: dict[tuple[str, str], str] = {}  # (service, interface) -> URL
        # the regions after the first: (region, service) -> URL of that region's endpoints
        self.region_urls: dict[tuple[str, str], str] = {}
        self.availability_zones: dict[str, AvailabilityZone] = {}
        self.aggregates: dict[int, Aggregate] = {}
        self.projects: dict[str, Project] = {}
        self.users: dict[str, User] = {}
        self.hosts: dict[str, Host] = {}
        self.flavors: dict[str, Flavor] = {}
        self.images: dict[str, Image] = {}
        self.agents: dict[str, Agent] = {}
        # Nova services not enabled-and-up, by (host, binary) (cloud_agents.py)
        self.service_states: dict[tuple[str, str], ServiceState] = {}
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
        self._op: tuple[int, str] | None = None  # (op_id, name) of the running mutation
        self._op_seq = 0

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

    def _emit(self, action: Action, kind: str, ident: str, record: Any,
              previous: Any = None) -> None:
        self.version += 1
        self._wiring_cache.clear()
        if self._listeners:
            op_id, op = self._op or (0, "")
            change = Change(self.version, action, kind, ident, record, op, op_id, previous)
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

    def network_hosts(self, region: str | None = None) -> list[Host]:
        return [h for h in self.hosts.values()
                if h.is_network and region in (None, h.region)]

    def region_of_network(self, network_id: str) -> str:
        """The region whose Neutron holds the network (the first region by default)."""
        return self.networks[network_id].region or next(iter(self.regions))

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
    # ---- checks ----------------------------------------------------------------------

    def segment_taken(self, network_type: str, segmentation_id: int) -> bool:
        return (network_type, segmentation_id) in self._segments

    def take_segment(self, network_type: str, segmentation_id: int) -> None:
        if (network_type, segmentation_id) in self._segments:
            raise Conflict(f"{network_type} segment {segmentation_id} in use",
                           field="provider:segmentation_id")
        self._segments.add((network_type, segmentation_id))
