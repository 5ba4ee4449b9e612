"""Simulated Keystone: v3 and v2.0 password tokens with the service catalog, projects.

v3: `POST /v3/auth/tokens` (token in `X-Subject-Token`, catalog endpoints with
`interface`, `region_id`, `region`, `url`), `GET/DELETE /v3/auth/tokens`,
`GET /v3/projects[/{id}]`, `GET /v3/auth/projects`. v2.0: `POST /v2.0/tokens`
(`access.token`, `serviceCatalog` with public/internal/admin URLs) and `GET /v2.0/tenants`.
A version missing from `keystone_versions` is not routed at all (404, as on a cloud
that does not deploy it). Wrong credentials or an unknown project scope answer 401.
"""

from __future__ import annotations

import hashlib
from typing import Any

from aiohttp import web

from calipso.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from calipso.sim.api.http import (
    Handler,
    body_of,
    public,
    reply,
    service_origin,
    state_of,
    token_of,
)
from calipso.sim.api.state import ApiState, Token, iso
from calipso.sim.model import Project, User
from calipso.sim.region_catalog import service_endpoints

DOMAIN = {"id": "default", "name": "Default"}
V3_ID, V3_UPDATED = "v3.14", "2020-04-07T00:00:00Z"
MEDIA = [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]


def role_id(name: str) -> str:
    return hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()


def v3_catalog(state: ApiState) -> list[dict[str, Any]]:
    cloud = state.cloud
    out = []
    for svc in cloud.catalog.values():
        endpoints = [{"region_id": region, "url": url, "region": region,
                      "interface": interface, "id": ident}
                     for region in cloud.regions
                     for interface, ident, url in service_endpoints(cloud, svc, region)]
        out.append({"endpoints": endpoints, "type": svc.type, "id": svc.id, "name": svc.name})
    return out


def v2_catalog(state: ApiState) -> list[dict[str, Any]]:
    cloud = state.cloud
    out = []
    for svc in cloud.catalog.values():
        endpoints = []
        for region in cloud.regions:
            found = service_endpoints(cloud, svc, region)
            urls = {interface: url for interface, _, url in found}
            if len(urls) < len(svc.endpoint_ids):
                continue
            ids = {interface: ident for interface, ident, _ in found}
            endpoints.append({"adminURL": urls["admin"], "region": region,
                              "internalURL": urls["internal"], "id": ids["public"],
                              "publicURL": urls["public"]})
        if endpoints:
            out.append({"endpoints": endpoints, "endpoints_links": [], "type": svc.type,
                        "name": svc.name})
    return out


# ---- identities --------------------------------------------------------------------------

def _domain_ok(ref: Any) -> bool:
    if ref is None:
        return True
    return isinstance(ref, dict) and (ref.get("id") == DOMAIN["id"]
                                      or ref.get("name") == DOMAIN["name"])


def _user(state: ApiState, name: str | None, user_id: str | None, password: Any) -> User:
    for user in state.cloud.users.values():
        if (user.id == user_id or user.name == name) and user.password == password:
            return user
    raise Unauthorized("The request you have made requires authentication.")


def user_projects(state: ApiState, user: User) -> list[Project]:
    """Projects a user may scope to: every project for admins, else its own."""
    if "admin" in user.roles:
        return list(state.cloud.projects.values())
    return [p for p in state.cloud.projects.values() if p.id == user.project_id]


def _scope(state: ApiState, user: User, ref: dict[str, Any]) -> Project:
    allowed = user_projects(state, user)
    for project in allowed:
        if ref.get("id") == project.id or (ref.get("name") == project.name
                                           and _domain_ok(ref.get("domain"))):
            return project
    wanted = ref.get("id") or ref.get("name")
    raise Unauthorized(f"User {user.id} has no access to project {wanted}")


def _project_ref(project: Project) -> dict[str, Any]:
    return {"domain": dict(DOMAIN), "id": project.id, "name": project.name}


def v3_token_body(state: ApiState, token: Token) -> dict[str, Any]:
    user = token.user
    body: dict[str, Any] = {
        "methods": list(token.methods),
        "user": {"domain": dict(DOMAIN), "id": user.id, "name": user.name,
                 "password_expires_at": None},
        "audit_ids": [token.audit_id],
        "expires_at": iso(token.expires_at), "issued_at": iso(token.issued_at),
    }
    if token.project is not None:
        body["roles"] = [{"id": role_id(r), "name": r} for r in user.roles]
        body["project"] = _project_ref(token.project)
        body["is_domain"] = False
        body["catalog"] = v3_catalog(state)
    return {"token": body}


# ---- v3 ----------------------------------------------------------------------------------

@public
async def v3_issue(request: web.Request) -> web.Response:
    state = state_of(request)
    auth = await body_of(request, "auth")
    identity = auth.get("identity")
    if not isinstance(identity, dict) or not isinstance(identity.get("methods"), list):
        raise InvalidInput("Expecting to find identity in auth", field="identity")
    methods = identity["methods"]
    if "password" in methods:
        user_ref = (identity.get("password") or {}).get("user")
        if not isinstance(user_ref, dict):
            raise InvalidInput("Expecting to find user in password", field="user")
        if not _domain_ok(user_ref.get("domain")):
            raise Unauthorized("The request you have made requires authentication.")
        user = _user(state, user_ref.get("name"), user_ref.get("id"), user_ref.get("password"))
    elif "token" in methods:
        old = state.tokens.find((identity.get("token") or {}).get("id"))
        if old is None:
            raise Unauthorized("The request you have made requires authentication.")
        user = old.user
    else:
        raise Unauthorized(f"Unsupported authentication methods {methods}")
    scope = auth.get("scope")
    project = None
    if isinstance(scope, dict) and isinstance(scope.get("project"), dict):
        project = _scope(state, user, scope["project"])
    elif scope not in (None, "unscoped"):
        raise Unauthorized("The simulator scopes tokens to projects only")
    token = state.tokens.issue(user, project, tuple(methods))
    return reply(v3_token_body(state, token), 201, {"X-Subject-Token": token.value,
                                                    "Vary": "X-Auth-Token"})


async def v3_validate(request: web.Request) -> web.Response:
    state = state_of(request)
    token = state.tokens.find(request.headers.get("X-Subject-Token"))
    if token is None:
        raise NotFound("Could not find token.", field="X-Subject-Token")
    return reply(v3_token_body(state, token), headers={"X-Subject-Token": token.value})


async def v3_revoke(request: web.Request) -> web.Response:
    if not state_of(request).tokens.revoke(request.headers.get("X-Subject-Token", "")):
        raise NotFound("Could not find token.", field="X-Subject-Token")
    return web.Response(status=204)


def _v3_project(base: str, project: Project) -> dict[str, Any]:
    return {"is_domain": False, "description": project.description,
            "domain_id": project.domain_id, "enabled": project.enabled, "id": project.id,
            "links": {"self": f"{base}/v3/projects/{project.id}"}, "name": project.name,
            "parent_id": project.domain_id, "tags": []}


def _base(request: web.Request) -> str:
    return service_origin(request)


async def v3_projects(request: web.Request) -> web.Response:
    state, token = state_of(request), token_of(request)
    if not token.is_admin:
        raise Forbidden("You are not authorized to perform the requested action: "
                        "identity:list_projects.")
    name = request.query.get("name")
    projects = [p for p in state.cloud.projects.values() if name in (None, p.name)]
    base = _base(request)
    return reply({"links": {"next": None, "previous": None, "self": f"{base}/v3/projects"},
                  "projects": [_v3_project(base, p) for p in projects]})


async def v3_project(request: web.Request) -> web.Response:
    state = state_of(request)
    project = state.cloud.projects.get(request.match_info["project_id"])
    if project is None:
        raise NotFound(f"Could not find project: {request.match_info['project_id']}.")
    return reply({"project": _v3_project(_base(request), project)})


async def v3_auth_projects(request: web.Request) -> web.Response:
    state, token = state_of(request), token_of(request)
    base = _base(request)
    return reply({"links": {"self": f"{base}/v3/auth/projects", "previous": None, "next": None},
                  "projects": [_v3_project(base, p) for p in user_projects(state, token.user)]})


# ---- v2.0 --------------------------------------------------------------------------------

def _tenant(project: Project) -> dict[str, Any]:
    return {"description": project.description, "enabled": project.enabled,
            "id": project.id, "name": project.name}


@public
async def v2_issue(request: web.Request) -> web.Response:
    state = state_of(request)
    auth = await body_of(request, "auth")
    creds = auth.get("passwordCredentials")
    if isinstance(creds, dict):
        user = _user(state, creds.get("username"), creds.get("userId"), creds.get("password"))
    elif isinstance(auth.get("token"), dict):
        old = state.tokens.find(auth["token"].get("id"))
        if old is None:
            raise Unauthorized("The request you have made requires authentication.")
        user = old.user
    else:
        raise InvalidInput("Expecting to find passwordCredentials or token in auth",
                           field="passwordCredentials")
    project = None
    if auth.get("tenantName") or auth.get("tenantId"):
        project = _scope(state, user, {"name": auth.get("tenantName"),
                                       "id": auth.get("tenantId")})
    token = state.tokens.issue(user, project)
    token_doc: dict[str, Any] = {"issued_at": iso(token.issued_at),
                                 "expires": iso(token.expires_at), "id": token.value,
                                 "audit_ids": [token.audit_id]}
    access: dict[str, Any] = {"token": token_doc, "serviceCatalog": [],
                              "user": {"username": user.name, "roles_links": [], "id": user.id,
                                       "roles": [], "name": user.name},
                              "metadata": {"is_admin": 0, "roles": []}}
    if project is not None:
        token_doc["tenant"] = {**_tenant(project), "is_domain": False, "parent_id": None}
        access["serviceCatalog"] = v2_catalog(state)
        access["user"]["roles"] = [{"name": r} for r in user.roles]
        access["metadata"]["roles"] = [role_id(r) for r in user.roles]
    return reply({"access": access})


async def v2_tenants(request: web.Request) -> web.Response:
    state, token = state_of(request), token_of(request)
    return reply({"tenants": [_tenant(p) for p in user_projects(state, token.user)],
                  "tenants_links": []})


# ---- versions ----------------------------------------------------------------------------

def _version(base: str, version: str) -> dict[str, Any]:
    if version == "v3":
        return {"id": V3_ID, "status": "stable", "updated": V3_UPDATED,
                "links": [{"rel": "self", "href": f"{base}/v3/"}], "media-types": MEDIA}
    return {"id": "v2.0", "status": "deprecated", "updated": "2016-08-04T00:00:00Z",
            "links": [{"rel": "self", "href": f"{base}/v2.0/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.identity-v2.0+json"}]}


@public
async def versions(request: web.Request) -> web.Response:
    state = state_of(request)
    values = [_version(_base(request), v) for v in state.keystone_versions]
    return reply({"versions": {"values": values}}, 300)


def version_handler(version: str) -> Handler:
    @public
    async def handler(request: web.Request) -> web.Response:
        return reply({"version": _version(_base(request), version)})
    return handler


ROUTES: dict[str, tuple[tuple[str, str, Handler], ...]] = {
    "v3": (("POST", "/auth/tokens", v3_issue), ("GET", "/auth/tokens", v3_validate),
           ("DELETE", "/auth/tokens", v3_revoke), ("GET", "/auth/projects", v3_auth_projects),
           ("GET", "/projects", v3_projects), ("GET", "/projects/{project_id}", v3_project)),
    "v2.0": (("POST", "/tokens", v2_issue), ("GET", "/tenants", v2_tenants)),
}


def add_routes(app: web.Application, keystone_versions: tuple[str, ...]) -> None:
    app.router.add_get("/", versions)
    for version in keystone_versions:
        document = version_handler(version)
        app.router.add_get(f"/{version}", document)
        app.router.add_get(f"/{version}/", document)
        for method, path, handler in ROUTES[version]:
            app.router.add_route(method, f"/{version}{path}", handler)
