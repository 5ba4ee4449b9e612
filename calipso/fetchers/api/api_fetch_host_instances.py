"""Instances of a compute host, under ``<host>-instances``.

One ``servers/detail?all_tenants=1`` listing per region (paged, fetched once per scan)
serves every host. ``network_info`` is Nova's cache from MySQL when the environment has
a ``mysql`` section (a failing database is reported once, then left alone for the scan);
else, and for instances the cache lacks, it is rebuilt from the Neutron ports, networks
and subnets this scan found before (one listing of each if it found none). ``network``
lists its network ids, ``mac_address`` is the first vNIC's and ``ip_address`` its first
fixed IP (the instance's own, not its host's).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from calipso.errors import FetchError
from calipso.fetchers.api.api_fetch_host_network_agents import region_of
from calipso.fetchers.api.base import ApiAccess
from calipso.fetchers.api.listing import SharedListing
from calipso.fetchers.api.network_info import NeutronView, first_address, networks_of
from calipso.fetchers.base import Doc
from calipso.fetchers.db.nova_instances import NovaInstances
from calipso.sources import FetchFailure

if TYPE_CHECKING:
    from calipso.sources import FetchContext

FOLDER_SUFFIX = "-instances"
HOST_ATTR = "OS-EXT-SRV-ATTR:host"
NAME_ATTR = "OS-EXT-SRV-ATTR:instance_name"


def instance_doc(server: Doc, host: Doc, project: str | None,
                 network_info: list[Doc]) -> Doc:
    first = network_info[0] if network_info else {}
    return {
        "id": server["id"], "uuid": server["id"], "name": server.get("name") or server["id"],
        "local_name": server.get(NAME_ATTR), "host": host["id"],
        "project_id": server.get("tenant_id") or server.get("project_id"),
        "project": project, "ip_address": first_address(network_info),
        "network_info": network_info, "network": networks_of(network_info),
        "mac_address": first.get("address"),
    }


class ApiFetchHostInstances(ApiAccess):
    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self.servers: SharedListing[dict[str, list[Doc]]] = SharedListing(self._servers)
        self.neutron: SharedListing[NeutronView] = SharedListing(self._neutron)
        self.nova_db = NovaInstances(ctx) if ctx.mysql is not None else None

    async def get(self, parent_id: str) -> list[Doc]:
        name = parent_id.removesuffix(FOLDER_SUFFIX)
        host = await self.ctx.lookup(name)
        if host is None or "Compute" not in host.get("host_type", []):
            return []
        region = region_of(host) or ""
        servers = (await self.servers.get(region)).get(name, [])
        if not servers:
            return []
        info = await self._network_info(host, region, [s["id"] for s in servers])
        projects = {p["id"]: p["name"] for p in self.ctx.of_type("project")}
        return [instance_doc(s, host, projects.get(s.get("tenant_id")), info[s["id"]])
                for s in servers]

    async def _network_info(self, host: Doc, region: str, uuids: list[str]
                            ) -> dict[str, list[Doc]]:
        """Nova's cache from MySQL when there is one; from Neutron for the rest."""
        cached: dict[str, list[Doc]] = {}
        if self.nova_db is not None:
            try:
                cached = await self.nova_db.network_info(host["id"])
            except FetchError as err:
                self._mysql_failed(host, err)
        missing = [u for u in uuids if u not in cached]
        if missing:
            view = await self.neutron.get(region)
            cached.update({u: view.network_info(u) for u in missing})
        return cached

    def _mysql_failed(self, host: Doc, err: FetchError) -> None:
        """MySQL only enriches: note the failure once, go on from Neutron for this scan."""
        if self.nova_db is None:
            return
        self.nova_db = None
        self.ctx.log.warning("mysql failed; network_info from neutron", extra={
            "host": host["id"], "error": err.detail})
        # "network_info" is no object type: nothing is kept stale for it, but the scan
        # ends completed_with_errors and the message says what failed
        self.ctx.report_failure(FetchFailure(
            "network_info", f"{host.get('id_path', '')}-instances", err.source, err.target,
            err.detail))

    async def _servers(self, region: str) -> dict[str, list[Doc]]:
        listing = await self.request("compute", "servers/detail", key="servers",
                                     region=region or None, params={"all_tenants": 1})
        by_host: dict[str, list[Doc]] = {}
        for server in listing:
            by_host.setdefault(str(server.get(HOST_ATTR)), []).append(server)
        return by_host

    async def _neutron(self, region: str) -> NeutronView:
        networks = self.ctx.of_type("network")
        ports = self.ctx.of_type("port")
        if networks and ports:
            return NeutronView.build(networks, [], ports)
        nets, subs, ports = await asyncio.gather(
            self.request("network", "v2.0/networks", key="networks", region=region or None),
            self.request("network", "v2.0/subnets", key="subnets", region=region or None),
            self.request("network", "v2.0/ports", key="ports", region=region or None))
        return NeutronView.build(nets, subs, ports)
