"""The hosts of a region as Nova and Neutron see them, shared by the zone and host fetchers.

Nova's ``os-availability-zone/detail`` lists the hosts running Nova services (the
``internal`` zone holds controllers); Neutron's ``agents`` adds hosts that run only
network agents, which are put in ``internal`` as well. Service maps keep ``available``
and ``active`` only: ``updated_at`` is a heartbeat and would change on every scan.

Zone ids (``zone_id``): the zone's name when the catalog has one compute region, else
``<region>-<name>``: each region's Nova has its own zones (``nova`` and ``internal`` in
every one), and ids are unique in an environment. Aggregate ids follow the same rule.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from calipso.errors import ApiError
from calipso.fetchers.api.base import ApiAccess
from calipso.fetchers.base import Doc

INTERNAL_ZONE = "internal"
# Neutron ``agent_type``s: network services and gateways make their host a Network host
# (ML2/OVN's network node runs only the gateway flavour of ovn-controller); L2 agents run
# wherever ports are bound and make no role of their own. Any other type is reported.
NETWORK_AGENT_TYPES = frozenset({
    "DHCP agent", "L3 agent", "Metadata agent", "OVN Controller Gateway agent",
    "BGP dynamic routing agent", "Metering agent", "VPN agent", "Loadbalancerv2 agent"})
ROLELESS_AGENT_TYPES = frozenset({
    "Open vSwitch agent", "Linux bridge agent", "OVN Controller agent",
    "OVN Metadata agent", "NIC Switch agent", "MacVTap agent"})


@dataclass(slots=True)
class RegionHosts:
    region: str
    zone_available: dict[str, bool] = field(default_factory=dict)
    zone_hosts: dict[str, dict[str, Doc]] = field(default_factory=dict)  # zone -> host -> svc
    agents: dict[str, list[Doc]] = field(default_factory=dict)  # host -> agents
    several_regions: bool = False  # the catalog has more than one compute region

    def zone_id(self, zone: str) -> str:
        return regional_id(self.region, zone, self.several_regions)

    def zone_of(self, host: str) -> str:
        """The zone a host is filed under: its compute zone, else the first listing it."""
        zones = [z for z, hosts in self.zone_hosts.items() if host in hosts]
        for zone in zones:
            if "nova-compute" in self.zone_hosts[zone][host]:
                return zone
        return zones[0] if zones else INTERNAL_ZONE

    def services(self, host: str) -> Doc:
        merged: Doc = {}
        for hosts in self.zone_hosts.values():
            merged.update(hosts.get(host, {}))
        return merged

    def host_names(self) -> list[str]:
        names = [h for hosts in self.zone_hosts.values() for h in hosts]
        names += list(self.agents)
        return list(dict.fromkeys(names))


def regional_id(region: str, ident: str, several_regions: bool) -> str:
    """The id of something each region's Nova numbers or names on its own (zones,
    aggregates): as it is with one region, ``<region>-<id>`` with several."""
    return f"{region}-{ident}" if several_regions else ident


async def several_regions(access: ApiAccess) -> bool:
    return len(await regions_with(access, "compute")) > 1


def service_states(services: Doc | None) -> Doc:
    return {name: {"available": bool(state.get("available")),
                   "active": bool(state.get("active"))}
            for name, state in (services or {}).items()}


async def regions_with(access: ApiAccess, service: str) -> list[str]:
    """Regions of the catalog that have an endpoint of ``service`` (e.g. ``compute``)."""
    names = ("nova",) if service == "compute" else (service,)
    return [region for region, endpoints in (await access.catalog()).items()
            if any(ep.service_type == service or ep.service_name in names
                   for ep in endpoints)]


async def regions_for(access: ApiAccess, parent_id: str) -> list[str]:
    """The regions a zone or host fetch covers under ``parent_id``.

    Under a region (its name): that region. Under a project (``object_id_to_use_in_child``
    name, as the original's tree has it): every region, for the admin project only, since
    zones and hosts belong to the cloud, not to a project.
    """
    regions = await regions_with(access, "compute")
    if parent_id in regions:
        return [parent_id]
    return regions if parent_id == access.ctx.env.openstack.admin_project else []


async def fetch_region_hosts(access: ApiAccess, region: str) -> RegionHosts:
    """One zone listing and one agent listing for ``region``."""
    zones, agents, several = await asyncio.gather(
        access.request("compute", "os-availability-zone/detail", region=region),
        _agents(access, region), several_regions(access))
    found = region_hosts_of(region, zones, agents)
    found.several_regions = several
    return found


def region_hosts_of(region: str, zones: Doc, agents: list[Doc]) -> RegionHosts:
    """A region's hosts from its zone listing (``os-availability-zone/detail``) and its
    Neutron agents."""
    out = RegionHosts(region)
    for zone in zones.get("availabilityZoneInfo", []):
        name = zone.get("zoneName")
        hosts = zone.get("hosts") or {}
        if not name or not hosts:
            continue
        out.zone_available[name] = bool((zone.get("zoneState") or {}).get("available", True))
        out.zone_hosts[name] = {h: service_states(svc) for h, svc in hosts.items()}
    for agent in agents:
        out.agents.setdefault(str(agent.get("host")), []).append(agent)
    for host in out.agents:
        if not any(host in hosts for hosts in out.zone_hosts.values()):
            out.zone_available.setdefault(INTERNAL_ZONE, True)
            out.zone_hosts.setdefault(INTERNAL_ZONE, {})[host] = {}
    return out


async def _agents(access: ApiAccess, region: str) -> list[Doc]:
    try:
        return await access.request("network", "v2.0/agents", key="agents", region=region)
    except ApiError as err:
        if not err.url.startswith("catalog:"):  # only "no such endpoint" means no Neutron
            raise
        return []
