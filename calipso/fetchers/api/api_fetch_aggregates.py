"""Host aggregates of a region (``os-aggregates``), under ``<region>-aggregates``."""

from __future__ import annotations

from calipso.fetchers.api.base import ApiAccess
from calipso.fetchers.base import Doc

FOLDER_SUFFIX = "-aggregates"


def aggregate_doc(raw: Doc) -> Doc:
    return {
        "id": str(raw["id"]), "name": raw.get("name") or str(raw["id"]),
        "uuid": raw.get("uuid"), "availability_zone": raw.get("availability_zone"),
        "metadata": dict(raw.get("metadata") or {}),
        "hosts": [str(h) for h in raw.get("hosts") or []],
    }


class ApiFetchAggregates(ApiAccess):
    async def get(self, parent_id: str) -> list[Doc]:
        region = parent_id.removesuffix(FOLDER_SUFFIX)
        data = await self.request("compute", "os-aggregates", region=region)
        return [aggregate_doc(raw) for raw in data.get("aggregates", [])]
