"""Records of the simulated cloud: frozen, slotted dataclasses, one per OpenStack object.

These are the facts every channel serves. They never change in place: a mutation of the
`Cloud` replaces a record (`dataclasses.replace`). Names derived from ids follow the real
conventions (see `naming` helpers at the bottom and `README.md`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["controller", "network", "compute"]
OWNER_COMPUTE = "compute:nova"
OWNER_DHCP = "network:dhcp"
OWNER_ROUTER_INTERFACE = "network:router_interface"
OWNER_ROUTER_GATEWAY = "network:router_gateway"
OWNER_DISTRIBUTED = "network:distributed"  # ML2/OVN's metadata port, one per network
TIMESTAMP = "2026-01-05T10:00:00Z"  # creation time of everything the generator builds


@dataclass(frozen=True, slots=True)
class Region:
    name: str


@dataclass(frozen=True, slots=True)
class Project:
    id: str  # 32 hex, Keystone style
    name: str
    description: str = ""
    domain_id: str = "default"
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class User:
    id: str  # 32 hex
    name: str
    password: str
    project_id: str  # default project
    roles: tuple[str, ...] = ("admin",)
    domain_id: str = "default"


@dataclass(frozen=True, slots=True)
class CatalogService:
    """A Keystone catalog service; endpoint URLs are set by the API channel when it binds
    (`Cloud.set_endpoint_url`), since only it knows its ports."""

    id: str
    name: str  # nova, neutron, keystone, placement, glance
    type: str  # compute, network, identity, placement, image
    endpoint_ids: tuple[tuple[str, str], ...]  # (interface, endpoint id), public/internal/admin


@dataclass(frozen=True, slots=True)
class AvailabilityZone:
    name: str
    region: str


@dataclass(frozen=True, slots=True)
class Aggregate:
    id: int  # nova aggregates.id
    uuid: str
    name: str
    availability_zone: str | None
    hosts: tuple[str, ...]
    metadata: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class OsRelease:
    """`/etc/os-release` of a host."""

    name: str = "Ubuntu"
    version: str = "24.04.1 LTS (Noble Numbat)"
    id: str = "ubuntu"
    id_like: str = "debian"
    version_id: str = "24.04"
    pretty_name: str = "Ubuntu 24.04.1 LTS"


@dataclass(frozen=True, slots=True)
class Pnic:
    """A physical NIC. `ip` is `a.b.c.d/len` or None; `master` is its bond, if any."""

    name: str
    mac: str
    speed_mbps: int
    ip: str | None = None
    master: str | None = None
    pci: str = ""


@dataclass(frozen=True, slots=True)
class Bond:
    name: str
    mac: str  # the first slave's MAC, as Linux does
    slaves: tuple[str, ...]
    mode: str = "IEEE 802.3ad Dynamic link aggregation"
    ip: str | None = None


@dataclass(frozen=True, slots=True)
class Host:
    """A hypervisor/server. `ssh_address` is the 127.x.y.z address its SSH server binds.

    `mgmt_iface` holds `ip`, `tunnel_iface` holds `tunnel_ip` (VXLAN endpoint, also the
    VPP/LXB tunnel source), `provider_iface` (a pnic or a bond) carries VLAN/flat traffic.
    """

    name: str
    roles: frozenset[str]
    region: str
    availability_zone: str  # nova zone; controller/network-only hosts: "internal"
    ip: str
    tunnel_ip: str
    ssh_address: str
    index: int  # position in the cloud's host order (stable)
    hypervisor_id: int  # nova compute_nodes.id (computes), else 0
    hypervisor_uuid: str
    os: OsRelease
    pnics: tuple[Pnic, ...]
    bonds: tuple[Bond, ...]
    mgmt_iface: str
    tunnel_iface: str
    provider_iface: str
    cpus: int = 32
    memory_mb: int = 262_144
    fqdn: str = ""  # the host's own name when Nova and Neutron know it by a shorter one

    @property
    def hypervisor_hostname(self) -> str:
        """What libvirt, ``hostname`` and ``uname -n`` say: the FQDN."""
        return self.fqdn or self.name

    @property
    def is_compute(self) -> bool:
        return "compute" in self.roles

    @property
    def is_network(self) -> bool:
        return "network" in self.roles

    @property
    def host_type(self) -> list[str]:
        """Calipso's `host_type` (Controller, Compute, Network), ordered."""
        order = (("controller", "Controller"), ("compute", "Compute"), ("network", "Network"))
        return [label for role, label in order if role in self.roles]


def nova_services(host: Host) -> list[str]:
    """The Nova services running on ``host`` (its roles say which)."""
    out = []
    if "controller" in host.roles:
        out += ["nova-conductor", "nova-scheduler"]
    if host.is_compute:
        out.append("nova-compute")
    return out


@dataclass(frozen=True, slots=True)
class Flavor:
    id: str
    name: str
    vcpus: int
    ram_mb: int
    disk_gb: int


@dataclass(frozen=True, slots=True)
class Image:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Instance:
    uuid: str
    name: str  # display name
    db_id: int  # nova instances.id; libvirt name is instance-%08x of it
    domain_id: int  # `virsh list` Id on its host
    host: str
    project_id: str
    user_id: str
    flavor_id: str
    image_id: str
    port_ids: tuple[str, ...]
    availability_zone: str
    status: str = "ACTIVE"
    power_state: int = 1
    created_at: str = TIMESTAMP
    # a cold migration awaiting its confirmation (VERIFY_RESIZE): the host it left
    migration_source: str = ""

    @property
    def libvirt_name(self) -> str:
        return f"instance-{self.db_id:08x}"


@dataclass(frozen=True, slots=True)
class Network:
    id: str
    name: str
    project_id: str
    network_type: str  # vxlan | vlan | flat
    segmentation_id: int | None
    physnet: str | None
    shared: bool
    external: bool
    mtu: int
    subnet_ids: tuple[str, ...] = ()
    status: str = "ACTIVE"
    admin_state_up: bool = True
    created_at: str = TIMESTAMP
    region: str = ""  # the region whose Neutron holds it; "" = the first region


@dataclass(frozen=True, slots=True)
class Subnet:
    id: str
    name: str
    network_id: str
    project_id: str
    cidr: str
    gateway_ip: str | None
    enable_dhcp: bool
    allocation_pools: tuple[tuple[str, str], ...]
    ip_version: int = 4
    dns_nameservers: tuple[str, ...] = ()
    created_at: str = TIMESTAMP


@dataclass(frozen=True, slots=True)
class FixedIp:
    subnet_id: str
    ip_address: str


@dataclass(frozen=True, slots=True)
class Port:
    """A Neutron port. `host` is `binding:host_id` ('' when unbound)."""

    id: str
    name: str
    network_id: str
    project_id: str
    mac: str
    device_owner: str
    device_id: str
    host: str
    vif_type: str  # ovs | bridge | vhostuser | unbound
    vif_details: dict[str, Any] = field(hash=False)
    fixed_ips: tuple[FixedIp, ...]
    status: str = "ACTIVE"
    admin_state_up: bool = True
    vnic_type: str = "normal"
    created_at: str = TIMESTAMP

    @property
    def devname(self) -> str:
        """Root-namespace device name: tap/qr-/qg- + id[:11] (as OVS shows it)."""
        return port_devname(self.device_owner, self.id)


@dataclass(frozen=True, slots=True)
class Router:
    id: str
    name: str
    project_id: str
    host: str  # the L3 agent's host
    gw_network_id: str | None = None
    gw_port_id: str | None = None
    status: str = "ACTIVE"
    admin_state_up: bool = True
    created_at: str = TIMESTAMP


@dataclass(frozen=True, slots=True)
class Agent:
    """A Neutron agent row. `configurations` is static; live counts come from
    `Cloud.agent_configurations`."""

    id: str
    binary: str
    agent_type: str
    host: str
    topic: str
    configurations: dict[str, Any] = field(hash=False)
    availability_zone: str | None = None
    admin_state_up: bool = True
    alive: bool = True  # its heartbeat is recent (False: its process died)
    created_at: str = TIMESTAMP
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceState:
    """A Nova service's state where it is not the default (enabled and up): what
    `PUT /os-services` sets (`disabled`, `forced_down`) and its heartbeat (`up`)."""

    host: str
    binary: str
    disabled: bool = False
    disabled_reason: str | None = None
    forced_down: bool = False
    up: bool = True

    @property
    def available(self) -> bool:
        """What Nova's servicegroup says: a forced-down service is down."""
        return self.up and not self.forced_down


# ---- naming helpers (pure) -------------------------------------------------------------

def port_devname(device_owner: str, port_id: str) -> str:
    if device_owner == OWNER_ROUTER_INTERFACE:
        return "qr-" + port_id[:11]
    if device_owner == OWNER_ROUTER_GATEWAY:
        return "qg-" + port_id[:11]
    return "tap" + port_id[:11]


def ns_devname(port: Port) -> str:
    """Device name inside a namespace: tap (OVS dhcp), ns- (LXB dhcp), qr-/qg- (routers)."""
    if port.device_owner == OWNER_DHCP and port.vif_type == "bridge":
        return "ns-" + port.id[:11]
    return port.devname


def ip_hex(ip: str) -> str:
    """`10.0.0.11` -> `0a00000b`, the suffix of an OVS tunnel port name."""
    return "".join(f"{int(p):02x}" for p in ip.split("."))


def linux_bridge_id(mac: str) -> str:
    """`brctl show` bridge id: priority 8000 and the bridge MAC without colons."""
    return "8000." + mac.replace(":", "")


def tap_host_mac(mac: str) -> str:
    """libvirt/Linux give the host side of a tap fe:… for a guest MAC fa:16:3e:…"""
    return "fe" + mac[2:]
