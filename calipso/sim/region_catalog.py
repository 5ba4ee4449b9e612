"""The catalog's endpoints per region, shared by Keystone's catalog and the truth.

The first region's endpoints are the services' own (`CatalogService.endpoint_ids`,
`cloud.endpoint_urls`). Each further region lists the services its API channel serves
there (`cloud.region_urls[(region, service)]`, the same URL for every interface) with
endpoint ids derived from the first region's, so they are stable across runs.
"""

from __future__ import annotations

import hashlib

from calipso.sim.cloud_index import CloudIndex
from calipso.sim.model import CatalogService


def region_endpoint_id(first_region_id: str, region: str) -> str:
    return hashlib.md5(f"{first_region_id}/{region}".encode(),
                       usedforsecurity=False).hexdigest()


def service_endpoints(cloud: CloudIndex, svc: CatalogService, region: str
                      ) -> list[tuple[str, str, str]]:
    """`(interface, endpoint id, url)` of `svc` in `region`; none where it is not served."""
    if region == next(iter(cloud.regions)):
        return [(interface, ident, cloud.endpoint_urls[(svc.name, interface)])
                for interface, ident in svc.endpoint_ids
                if (svc.name, interface) in cloud.endpoint_urls]
    url = cloud.region_urls.get((region, svc.name))
    return [(interface, region_endpoint_id(ident, region), url)
            for interface, ident in svc.endpoint_ids] if url else []
