"""Projects: Keystone v3 ``projects``, or v2.0 ``tenants`` on a cloud without v3.

Every project is kept, ``service`` too: its networks and ports are real objects of the
cloud (the original dropped a project named ``services`` and, with v3, every project
the user was not a member of).
"""

from __future__ import annotations

from calipso.errors import ApiError
from calipso.fetchers.api.base import ApiAccess
from calipso.fetchers.base import Doc

PROJECT_FIELDS = ("id", "name", "description", "enabled", "domain_id", "parent_id",
                  "is_domain")


def project_doc(raw: Doc) -> Doc:
    doc = {key: raw[key] for key in PROJECT_FIELDS if key in raw}
    doc["id"] = str(raw["id"])
    doc["name"] = raw.get("name") or doc["id"]
    doc.setdefault("description", "")
    doc.setdefault("enabled", True)
    # Keystone's parent_id is the owning domain or project, not our tree parent
    if "parent_id" in doc:
        doc["keystone_parent_id"] = doc.pop("parent_id")
    return doc


async def fetch_projects(access: ApiAccess) -> list[Doc]:
    """The cloud's projects as inventory documents, v3 first."""
    try:
        raw = await access.request("identity", "v3/projects", key="projects")
    except ApiError as err:
        if err.status not in (404, 300):
            raise
        raw = await access.request("identity", "v2.0/tenants", key="tenants")
    return [project_doc(p) for p in raw if not p.get("is_domain")]


class ApiFetchProjects(ApiAccess):
    async def get(self, parent_id: str) -> list[Doc]:
        return await fetch_projects(self)
