"""Project names by id for fetchers that file objects under projects (networks, ports)."""

from __future__ import annotations

from calipso.fetchers.api.api_fetch_projects import fetch_projects
from calipso.fetchers.api.base import ApiAccess


class ProjectNames:
    """Names of the cloud's projects: those this scan found, else one Keystone listing."""

    def __init__(self, access: ApiAccess) -> None:
        self._access = access
        self._names: dict[str, str] | None = None

    async def names(self) -> dict[str, str]:
        if self._names is None:
            found = self._access.ctx.of_type("project")
            docs = found or await fetch_projects(self._access)
            self._names = {str(p["id"]): str(p["name"]) for p in docs}
        return self._names

    async def admin_project_id(self) -> str | None:
        admin = self._access.ctx.env.openstack.admin_project
        return next((pid for pid, name in (await self.names()).items() if name == admin), None)
