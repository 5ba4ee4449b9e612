"""The hosts of an aggregate (``aggregate-<name>-<host>``), from the aggregate found
just before in this scan: no call of its own."""

from __future__ import annotations

from calipso.fetchers.api.base import ApiAccess
from calipso.fetchers.base import Doc


class ApiFetchAggregateHosts(ApiAccess):
    async def get(self, parent_id: str) -> list[Doc]:
        aggregate = next((a for a in self.ctx.of_type("aggregate") if a["id"] == parent_id),
                         None) or await self.ctx.lookup(parent_id)
        if aggregate is None:
            return []
        name = aggregate["name"]
        return [{"id": f"aggregate-{name}-{host}", "name": host, "host": host}
                for host in aggregate.get("hosts", [])]
