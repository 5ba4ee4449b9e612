"""Topology spec of a simulated cloud: what to build, validated at the boundary.

A spec is either loaded from a YAML/JSON file (`load_spec`) or built from the common flags
(`spec_from_flags`). Every count has a default, so `TopologySpec()` is a small valid cloud.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from calipso.errors import ConfigError

# What a simulated cloud declares itself to be (environments_config, clique type scores)
DISTRIBUTION = ("Devstack", "2026.2")
DRIVER_LABELS = {"ovs": "OVS", "lxb": "LXB", "vpp": "VPP", "ovn": "OVN"}

MechanismDriver = Literal["ovs", "lxb", "vpp", "ovn"]
TypeDriver = Literal["vxlan", "vlan", "geneve"]
NetworkType = Literal["vxlan", "vlan", "flat", "geneve"]
OVERLAYS = ("vxlan", "geneve")
Firewall = Literal["hybrid", "openvswitch", "noop"]
OvsDatapath = Literal["system", "netdev"]
KeystoneVersion = Literal["v3", "v2.0"]
EndpointStyle = Literal["ports", "paths"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HostCounts(_Model):
    """Explicit host counts by role. `combined` hosts are controller+network on one box."""

    controllers: int = Field(0, ge=0)
    networks: int = Field(0, ge=0)
    computes: int = Field(0, ge=0)
    combined: int = Field(1, ge=0)


class NetworkSpec(_Model):
    """One explicit network; `subnets` CIDRs, each with DHCP unless listed in `no_dhcp`."""

    name: str
    type: NetworkType | None = None  # None: the spec's type_driver
    project: str | None = None  # project name; None: first tenant project
    shared: bool = False
    external: bool = False
    subnets: list[str] = Field(default_factory=list)
    no_dhcp: list[str] = Field(default_factory=list)
    region: str | None = None  # None: the first region


class RouterSpec(_Model):
    name: str
    project: str | None = None
    gateway: str | None = None  # external network name
    interfaces: list[str] = Field(default_factory=list)  # network names (first subnet)


class AggregateSpec(_Model):
    name: str
    availability_zone: str | None = None
    hosts: int = Field(0, ge=0)  # first N compute hosts of that zone
    metadata: dict[str, str] = Field(default_factory=dict)


class TopologySpec(_Model):
    """Everything the generator needs. Counts are totals over the cloud."""

    seed: int = 0
    regions: list[str] = Field(default_factory=lambda: ["RegionOne"])
    availability_zones: list[str] = Field(default_factory=lambda: ["nova"])
    aggregates: list[AggregateSpec] = Field(default_factory=list)
    hosts: int | HostCounts = 2
    host_prefix: str = "node-"
    domain: str = "cloud.local"
    projects: list[str] = Field(default_factory=lambda: ["admin", "demo"])
    instances: int = Field(2, ge=0)
    ports_per_instance: int = Field(1, ge=1, le=8)
    networks: int | list[NetworkSpec] = 1
    subnets_per_network: int = Field(1, ge=1, le=4)
    dhcp: bool = True
    external_network: bool = True
    routers: int | list[RouterSpec] = 1
    driver: MechanismDriver = "ovs"
    type_driver: TypeDriver = "vxlan"  # geneve for ovn
    firewall: Firewall = "hybrid"
    # system: the kernel datapath (`ovs-dpctl show`); netdev: the userspace one (DPDK, or
    # hosts without the kernel module), seen only by `ovs-appctl dpctl/show`
    ovs_datapath: OvsDatapath = "system"
    l2_population: bool = True
    bonds: int = Field(0, ge=0)  # number of network/compute hosts whose provider NIC is a bond
    mtu: int = Field(1500, ge=1280, le=9000)
    vlan_range: tuple[int, int] = (100, 3999)
    vni_range: tuple[int, int] = (1, 16_000_000)
    keystone_versions: list[KeystoneVersion] = Field(  # what the API channel serves
        default_factory=lambda: ["v3", "v2.0"], min_length=1)
    # ports: each service on its own port (nova http://H:P2/v2.1); paths: all on one port
    # under a path, as behind a web server (http://H:P/identity, /compute/v2.1, /networking)
    endpoints: EndpointStyle = "ports"
    # Nova services and Neutron agents know a host as `node-1` (their `host` option), while
    # the hypervisor, `hostname` and `uname -n` say `node-1.cloud.local`
    short_host_names: bool = False

    @model_validator(mode="before")
    @classmethod
    def _ovn_overlay(cls, data: object) -> object:
        """ML2/OVN's tunnels are Geneve: its default type driver."""
        if isinstance(data, dict) and data.get("driver") == "ovn" \
                and data.get("type_driver") is None:
            return {**data, "type_driver": "geneve"}
        return data

    @model_validator(mode="after")
    def _check(self) -> TopologySpec:
        if not self.regions or len(set(self.regions)) < len(self.regions):
            raise ValueError("regions: at least one region, each named once")
        if len(self.regions) > 1 and self.driver == "ovn":
            raise ValueError("regions: several regions need driver ovs, lxb or vpp")
        if not self.availability_zones:
            raise ValueError("availability_zones: at least one zone")
        if not self.projects:
            raise ValueError("projects: at least one project")
        counts = self.host_counts()
        if counts.combined + counts.networks == 0:
            raise ValueError("hosts: at least one network (or combined) host")
        if self.instances and counts.computes == 0 and not self.all_in_one:
            raise ValueError("hosts: instances need a compute host")
        if self.driver != "ovs" and self.firewall != "hybrid":
            raise ValueError(f"firewall: {self.firewall} needs driver ovs")
        if (self.type_driver == "geneve") != (self.driver == "ovn") \
                and self.type_driver != "vlan":
            raise ValueError("type_driver: geneve goes with driver ovn (and ovn with geneve "
                             "or vlan)")
        return self

    def host_counts(self) -> HostCounts:
        """`hosts=N` means 1 controller+network host and N-1 computes (N=1: all-in-one)."""
        if isinstance(self.hosts, HostCounts):
            return self.hosts
        regions = len(self.regions)  # several regions: one controller+network host each
        if self.hosts < regions:
            raise ValueError(f"hosts: at least {regions} (one per region)")
        return HostCounts(controllers=0, networks=0, combined=regions,
                          computes=self.hosts - regions)

    @property
    def hybrid_plug(self) -> bool:
        """OVS hybrid plug (tap in a qbr bridge); the openvswitch and noop firewalls plug
        the tap straight into br-int."""
        return self.driver == "ovs" and self.firewall == "hybrid"

    @property
    def all_in_one(self) -> bool:
        counts = self.host_counts()
        return counts.combined + counts.controllers + counts.networks + counts.computes == 1


def spec_from_flags(
    hosts: int = 2, instances: int = 2, networks: int = 1, driver: MechanismDriver = "ovs",
    type_driver: TypeDriver | None = None, seed: int = 0, **extra: object,
) -> TopologySpec:
    """The spec of the common command-line flags; `extra` are further spec fields. The
    type driver defaults to vxlan (geneve for ovn)."""
    return TopologySpec.model_validate({
        "hosts": hosts, "instances": instances, "networks": networks, "driver": driver,
        "type_driver": type_driver or ("geneve" if driver == "ovn" else "vxlan"),
        "seed": seed, **extra,
    })


def load_spec(path: str | Path) -> TopologySpec:
    """Read a spec from a .yaml/.yml/.json file; a bad file is a one-line ConfigError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        return TopologySpec.model_validate(data or {})
    except (OSError, ValueError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: {err}".replace("\n", "; ")) from err
