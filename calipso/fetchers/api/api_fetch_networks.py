"""Networks of a region: one ``networks`` and one ``subnets`` listing, filed under the
owning project (``<project id>-networks``; networks without an owner go to the admin
project)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from calipso.fetchers.api.base import ApiAccess
from calipso.fetchers.api.projects_index import ProjectNames
from calipso.fetchers.base import Doc, set_folder_parent

if TYPE_CHECKING:
    from calipso.sources import FetchContext


def owner_of(raw: Doc) -> str:
    return str(raw.get("project_id") or raw.get("tenant_id") or "")


def subnets_by_name(subnet_ids: list[str], subnets: dict[str, Doc]) -> dict[str, Doc]:
    """The network's subnets keyed by name (by id when unnamed or the name repeats)."""
    out: dict[str, Doc] = {}
    for sid in subnet_ids:
        sub = subnets.get(sid)
        if sub is None:
            continue
        key = sub.get("name") or sid
        out[sid if key in out else key] = sub
    return out


def network_doc(raw: Doc, subnets: dict[str, Doc], project_id: str, project: str) -> Doc:
    doc = dict(raw)
    ids = [str(s) for s in raw.get("subnets", [])]
    doc["id"] = str(raw["id"])
    doc["name"] = raw.get("name") or doc["id"]
    doc["subnet_ids"] = ids
    doc["subnets"] = subnets_by_name(ids, subnets)
    doc["cidrs"] = [subnets[s]["cidr"] for s in ids if s in subnets]
    doc["network"] = doc["id"]
    doc["project"] = project
    return set_folder_parent(doc, "network", "project", project_id)


class ApiFetchNetworks(ApiAccess):
    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self.projects = ProjectNames(self)

    async def get(self, parent_id: str) -> list[Doc]:
        region = parent_id
        nets, subs = await asyncio.gather(
            self.request("network", "v2.0/networks", key="networks", region=region),
            self.request("network", "v2.0/subnets", key="subnets", region=region))
        subnets = {str(s["id"]): s for s in subs}
        names = await self.projects.names()
        admin = await self.projects.admin_project_id()
        # no owner, or one Keystone no longer lists: the admin project's
        owners = [(raw, owner_of(raw) if owner_of(raw) in names else admin) for raw in nets]
        placed = await self._placeable({owner for _, owner in owners if owner})
        docs = [network_doc(raw, subnets, owner, names.get(owner, owner))
                for raw, owner in owners if owner in placed]
        if len(docs) < len(owners):
            self.ctx.log.warning("networks left out: their project is not found", extra={
                "count": len(owners) - len(docs),
                "project": sorted({str(o) for _, o in owners if o not in placed})})
        return docs

    async def _placeable(self, owners: set[str]) -> set[str]:
        """Owners whose project this scan found (or an earlier one stored): a network is
        filed under its project, so it waits for a scan that can see the project."""
        found = {p["id"] for p in self.ctx.of_type("project")}
        for owner in owners - found:
            if await self.ctx.lookup(owner) is not None:
                found.add(owner)
        return found
