"""Host aggregates of a region (``os-aggregates``), under ``<region>-aggregates``.

The id is Nova's, ``<region>-<nova id>`` when the catalog has several compute regions
(each region's Nova numbers its own; ``cloud_hosts.regional_id``)."""

from __future__ import annotations

from calipso.fetchers.api.base import ApiAccess
from calipso.fetchers.api.cloud_hosts import regional_id, several_regions
from calipso.fetchers.base import Doc

FOLDER_SUFFIX = "-aggregates"


def aggregate_doc(raw: Doc, ident: str) -> Doc:
    return {
        "id": ident, "name": raw.get("name") or str(raw["id"]),
        "uuid": raw.get("uuid"), "availability_zone": raw.get("availability_zone"),
        "metadata": dict(raw.get("metadata") or {}),
        "hosts": [str(h) for h in raw.get("hosts") or []],
    }


class ApiFetchAggregates(ApiAccess):
    async def get(self, parent_id: str) -> list[Doc]:
        region = parent_id.removesuffix(FOLDER_SUFFIX)
        data = await self.request("compute", "os-aggregates", region=region)
        several = await several_regions(self)
        return [aggregate_doc(raw, regional_id(region, str(raw["id"]), several))
                for raw in data.get("aggregates", [])]
