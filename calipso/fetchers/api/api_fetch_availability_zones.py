"""Availability zones of every region, under ``<region>-availability_zones``.

Ids are the zone names, ``<region>-<zone>`` when the catalog has several compute regions
(``cloud_hosts.regional_id``). Zones belong to the cloud, not to a project: under a
region they are that region's; under a project, the admin project's fetch covers every
region and the others fetch nothing (the original fetched them again for every
project). A zone is kept when hosts are filed under it (a host goes under its compute
zone, else ``internal``); ``hosts`` maps each of them to all its Nova services (hosts
running only Neutron agents are in ``internal`` with none).
"""

from __future__ import annotations

import asyncio

from calipso.fetchers.api.base import ApiAccess
from calipso.fetchers.api.cloud_hosts import RegionHosts, fetch_region_hosts, regions_for
from calipso.fetchers.base import Doc, set_folder_parent


def zone_docs(found: RegionHosts) -> list[Doc]:
    """One document per zone that hosts are filed under (see ``RegionHosts.zone_of``)."""
    filed: dict[str, dict[str, Doc]] = {}
    for host in found.host_names():
        filed.setdefault(found.zone_of(host), {})[host] = found.services(host)
    docs = []
    for zone, hosts in filed.items():
        doc = {"id": found.zone_id(zone), "name": zone,
               "available": found.zone_available.get(zone, True), "hosts": hosts}
        docs.append(set_folder_parent(doc, "availability_zone", "region", found.region,
                                      parent_text="Availability Zones"))
    return docs


class ApiFetchAvailabilityZones(ApiAccess):
    async def get(self, parent_id: str) -> list[Doc]:
        regions = await regions_for(self, parent_id)
        found = await asyncio.gather(*(fetch_region_hosts(self, r) for r in regions))
        return [doc for region in found for doc in zone_docs(region)]
