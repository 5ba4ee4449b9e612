"""Ports of a region: one ``ports`` listing, each filed under its network
(``<network id>-ports``); a port without a name is named by its MAC."""

from __future__ import annotations

from typing import TYPE_CHECKING

from calipso.fetchers.api.api_fetch_networks import owner_of
from calipso.fetchers.api.base import ApiAccess
from calipso.fetchers.api.projects_index import ProjectNames
from calipso.fetchers.base import Doc, set_folder_parent

if TYPE_CHECKING:
    from calipso.sources import FetchContext


def port_doc(raw: Doc, project: str) -> Doc:
    doc = dict(raw)
    doc["id"] = str(raw["id"])
    doc["name"] = raw.get("name") or raw.get("mac_address") or doc["id"]
    doc["project"] = project
    return set_folder_parent(doc, "port", "network", str(raw["network_id"]))


class ApiFetchPorts(ApiAccess):
    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self.projects = ProjectNames(self)

    async def get(self, parent_id: str) -> list[Doc]:
        return await self._docs(await self.request("network", "v2.0/ports", key="ports",
                                                   region=parent_id))

    async def of_device(self, region: str, device_id: str) -> list[Doc]:
        """The ports of one device (an instance), as ``get`` makes them."""
        return await self._docs(await self.request(
            "network", "v2.0/ports", key="ports", region=region,
            params={"device_id": device_id}))

    async def _docs(self, ports: list[Doc]) -> list[Doc]:
        known = {n["id"] for n in self.ctx.of_type("network")}
        names = await self.projects.names()
        docs = []
        for raw in ports:
            if known and str(raw.get("network_id")) not in known:
                self.ctx.log.debug("port of a network not found", extra={
                    "object_id": raw.get("id"), "network": raw.get("network_id")})
                continue
            owner = owner_of(raw)
            docs.append(port_doc(raw, names.get(owner, owner)))
        return docs
