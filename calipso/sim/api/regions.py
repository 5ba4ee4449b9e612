"""One region's share of the cloud, as that region's own Nova and Neutron see it.

With several regions the API channel serves a Nova and a Neutron per region (`site.py`);
their apps carry the region (`REGION`), and `cloud_of(request)` hands their handlers a
`RegionView`: the tables and indexes Nova and Neutron read hold only the records of the
region (hosts and what runs on them; networks and their subnets and ports; routers and
agents by their host; aggregates by their hosts, the first region's when empty).
Anything else, mutations included, is the cloud's own. Apps without a region (a
one-region cloud) get the cloud itself, unchanged.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from aiohttp import web

from calipso.sim.api.http import state_of
from calipso.sim.cloud import Cloud
from calipso.sim.model import Agent, Aggregate, Host, Instance, Network, Port, Router, Subnet

REGION = web.AppKey("sim_api_region", str)
_VIEW = web.RequestKey("sim_region_view", object)  # the view, built once per request


def cloud_of(request: web.Request) -> Cloud:
    """The cloud as the app serving `request` sees it: its region's view, or all of it."""
    cloud = state_of(request).cloud
    region = request.app.get(REGION)
    if region is None:
        return cloud
    if _VIEW not in request:
        request[_VIEW] = RegionView(cloud, region)
    return cast(Cloud, request[_VIEW])


class RegionView:
    """Read-through view of `cloud` limited to `region` (tables are built on first use)."""

    def __init__(self, cloud: Cloud, region: str) -> None:
        self._cloud = cloud
        self.region = region

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cloud, name)

    @cached_property
    def hosts(self) -> dict[str, Host]:
        return {n: h for n, h in self._cloud.hosts.items() if h.region == self.region}

    @cached_property
    def networks(self) -> dict[str, Network]:
        return {i: n for i, n in self._cloud.networks.items()
                if self._cloud.region_of_network(i) == self.region}

    @cached_property
    def subnets(self) -> dict[str, Subnet]:
        return {i: s for i, s in self._cloud.subnets.items() if s.network_id in self.networks}

    @cached_property
    def ports(self) -> dict[str, Port]:
        return {i: p for i, p in self._cloud.ports.items() if p.network_id in self.networks}

    @cached_property
    def routers(self) -> dict[str, Router]:
        return {i: r for i, r in self._cloud.routers.items() if r.host in self.hosts}

    @cached_property
    def agents(self) -> dict[str, Agent]:
        return {i: a for i, a in self._cloud.agents.items() if a.host in self.hosts}

    @cached_property
    def instances(self) -> dict[str, Instance]:
        return {i: v for i, v in self._cloud.instances.items() if v.host in self.hosts}

    @cached_property
    def aggregates(self) -> dict[int, Aggregate]:
        first = next(iter(self._cloud.regions))
        return {i: a for i, a in self._cloud.aggregates.items()
                if any(h in self.hosts for h in a.hosts)
                or (not a.hosts and self.region == first)}

    def compute_hosts(self) -> list[Host]:
        return [h for h in self.hosts.values() if h.is_compute]

    def network_hosts(self, region: str | None = None) -> list[Host]:
        return self._cloud.network_hosts(self.region)

    def instances_on_host(self, host: str) -> list[Instance]:
        return self._cloud.instances_on_host(host) if host in self.hosts else []

    def agents_on_host(self, host: str) -> list[Agent]:
        return self._cloud.agents_on_host(host) if host in self.hosts else []

    def ports_on_host(self, host: str) -> list[Port]:
        return self._cloud.ports_on_host(host) if host in self.hosts else []

    def ports_on_network(self, network_id: str) -> list[Port]:
        return self._cloud.ports_on_network(network_id) if network_id in self.networks else []

    def subnets_of(self, network_id: str) -> list[Subnet]:
        return self._cloud.subnets_of(network_id) if network_id in self.networks else []

    def ports_of_device(self, device_id: str) -> list[Port]:
        return [p for p in self._cloud.ports_of_device(device_id) if p.id in self.ports]
