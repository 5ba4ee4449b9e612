"""A host's Neutron agents (``<binary>-<uuid>``), from one ``agents`` listing per region.

``heartbeat_timestamp`` is left out: it changes every few seconds, and a re-scan of an
unchanged cloud must change nothing but ``last_scanned``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from calipso.fetchers.api.base import ApiAccess
from calipso.fetchers.api.listing import SharedListing
from calipso.fetchers.base import Doc

if TYPE_CHECKING:
    from calipso.sources import FetchContext

FOLDER_SUFFIX = "-network_agents"
CHURNING_FIELDS = ("heartbeat_timestamp",)


def configurations(value: object) -> Doc:
    """Agent configurations: a dict from the API, a JSON string from the database."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value else {}
        except ValueError:
            return {"raw": value}
    return dict(value) if isinstance(value, dict) else {}


def agent_doc(raw: Doc) -> Doc:
    doc = {k: v for k, v in raw.items() if k not in CHURNING_FIELDS}
    agent_id = str(raw["id"]).strip()
    doc["agent_id"] = agent_id
    doc["id"] = f"{raw['binary']}-{agent_id}"
    doc["name"] = raw["binary"]
    doc["configurations"] = configurations(raw.get("configurations"))
    return doc


def region_of(host: Doc | None) -> str | None:
    """The region in a host's id_path: /<env>/<env>-regions/<region>/..."""
    parts = (host or {}).get("id_path", "").split("/")
    return parts[3] if len(parts) > 3 and parts[2].endswith("-regions") else None


class ApiFetchHostNetworkAgents(ApiAccess):
    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self.agents: SharedListing[dict[str, list[Doc]]] = SharedListing(self._load)

    async def _load(self, region: str) -> dict[str, list[Doc]]:
        listing = await self.request("network", "v2.0/agents", key="agents",
                                     region=region or None)
        by_host: dict[str, list[Doc]] = {}
        for raw in listing:
            by_host.setdefault(str(raw.get("host")), []).append(raw)
        return by_host

    async def get(self, parent_id: str) -> list[Doc]:
        host = parent_id.removesuffix(FOLDER_SUFFIX)
        region = region_of(await self.ctx.lookup(host)) or ""
        return [agent_doc(raw) for raw in (await self.agents.get(region)).get(host, [])]
