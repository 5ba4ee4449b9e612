"""Regions: the token's service catalog grouped by region, endpoints by service name."""

from __future__ import annotations

from calipso.fetchers.api.base import ApiAccess
from calipso.fetchers.base import Doc
from calipso.sources.openstack_api import Endpoint


def endpoints_by_service(endpoints: list[Endpoint]) -> dict[str, Doc]:
    """``{service name: {publicURL, internalURL, adminURL, id, service_type}}``.

    ``id`` is the public endpoint's (Keystone v3 gives each interface its own endpoint).
    """
    out: dict[str, Doc] = {}
    for ep in endpoints:
        name = ep.service_name or ep.service_type
        entry = out.setdefault(name, {"service_type": ep.service_type})
        entry[f"{ep.interface}URL"] = ep.url
        if ep.interface == "public" or "id" not in entry:
            entry["id"] = ep.id
    return out


class ApiFetchRegions(ApiAccess):
    async def get(self, parent_id: str) -> list[Doc]:
        regions = await self.catalog()
        return [{"id": region, "name": region, "endpoints": endpoints_by_service(endpoints)}
                for region, endpoints in regions.items()]
