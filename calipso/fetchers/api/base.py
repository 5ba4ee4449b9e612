"""``ApiAccess``: the base of OpenStack API fetchers; its edge is the scan's ``ApiSession``.

Fetchers never build URLs from one another's ports: they name a catalog service type
(``compute``, ``network``, ``identity``) and a path, and the session finds the endpoint
for the configured interface and region, bounds the calls in flight and follows paging.
"""

from __future__ import annotations

from typing import Any, cast

from calipso.errors import ApiError
from calipso.fetchers.base import Fetcher
from calipso.sources.openstack_api import ApiSession, Endpoint


class ApiAccess(Fetcher):
    def _session(self) -> ApiSession:
        api = self.ctx.api
        if api is None:
            raise ApiError("GET", "catalog", None, "the environment has no OpenStack section")
        return cast(ApiSession, api)

    async def request(self, service: str, path: str, *, key: str | None = None,
                      region: str | None = None, params: dict[str, Any] | None = None) -> Any:
        """GET ``path`` of ``service``; with ``key``, every item of that paged listing."""
        api = self._session()
        if key is None:
            return await api.get(service, path, region=region, params=params)
        return await api.get_all(service, path, key, region=region, params=params)

    async def catalog(self) -> dict[str, list[Endpoint]]:
        """The token's catalog, endpoints grouped by region (no HTTP call once authenticated)."""
        return await self._session().regions()
