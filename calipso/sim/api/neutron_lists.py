"""Neutron's read side: the resources, their filters, `fields`, paging and show by id.

Lists take attribute filters (`?device_id=`, `?network_id=`, `?binding:host_id=`, any
attribute of the resource; repeated keys match any of their values; an unknown attribute
is a 400 as with filter validation on), `fields=`, and `limit`/`marker` paging with
`<resource>_links` (`next`, and `previous` after a marker). Without `limit` a list is
whole, as Neutron's default. A member token sees its project's resources (and shared or
external networks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from calipso.errors import InvalidInput, NotFound
from calipso.sim.api import neutron_views as views
from calipso.sim.api.http import int_param, next_link, page, reply, token_of
from calipso.sim.api.regions import cloud_of
from calipso.sim.cloud import Cloud

PAGING_KEYS = frozenset({"limit", "marker", "fields", "sort_key", "sort_dir", "page_reverse"})


@dataclass(frozen=True, slots=True)
class Resource:
    singular: str
    table: str  # Cloud attribute holding the records, or a key of DERIVED; the JSON key
    view: Callable[[Cloud, Any], dict[str, Any]]
    indexes: tuple[tuple[str, Callable[[Cloud, str], Iterable[Any]]], ...] = ()


RESOURCES = {
    "networks": Resource("network", "networks", views.network_view),
    "subnets": Resource("subnet", "subnets", views.subnet_view, (
        ("network_id", lambda c, v: c.subnets_of(v) if v in c.networks else ()),)),
    "ports": Resource("port", "ports", views.port_view, (
        ("device_id", lambda c, v: c.ports_of_device(v)),
        ("network_id", lambda c, v: c.ports_on_network(v)),
        ("binding:host_id", lambda c, v: c.ports_on_host(v)))),
    "routers": Resource("router", "routers", views.router_view),
    "agents": Resource("agent", "agents", views.agent_view, (
        ("host", lambda c, v: c.agents_on_host(v)),)),
    "security-groups": Resource("security_group", "security_groups",
                                views.security_group_view),
    "floatingips": Resource("floatingip", "floatingips", lambda cloud, rec: rec),
}


def _security_groups(cloud: Cloud) -> dict[str, Any]:
    """One `default` group per project, the one every instance port carries."""
    return {views.default_security_group(p.id): p for p in cloud.projects.values()}


DERIVED: dict[str, Callable[[Cloud], dict[Any, Any]]] = {
    "security_groups": _security_groups,
    "floatingips": lambda cloud: {},  # the model has no floating IPs (yet)
}


def table_of(cloud: Cloud, res: Resource) -> dict[Any, Any]:
    derived = DERIVED.get(res.table)
    return derived(cloud) if derived else getattr(cloud, res.table)


def not_found(res: Resource, ident: str) -> NotFound:
    return NotFound(f"{res.singular.capitalize()} {ident} could not be found.",
                    field=f"{res.singular}_id")


def _matches(view: dict[str, Any], key: str, wanted: list[str]) -> bool:
    if key == "fixed_ips":  # fixed_ips=ip_address=X / fixed_ips=subnet_id=Y
        pairs = [w.split("=", 1) for w in wanted if "=" in w]
        return any(ip.get(k) == v for k, v in pairs for ip in view["fixed_ips"])
    value = view[key]
    if isinstance(value, bool):
        return str(value).lower() in (w.lower() for w in wanted)
    return ("" if value is None else str(value)) in wanted


def _visible(request: web.Request, res: Resource, item: dict[str, Any]) -> bool:
    token = token_of(request)
    if token.is_admin:
        return True
    project = token.project.id if token.project else ""
    return item.get("project_id") in (project, "") or bool(
        res.singular == "network" and (item["shared"] or item["router:external"]))


def _fields(request: web.Request, item: dict[str, Any]) -> dict[str, Any]:
    wanted = request.query.getall("fields", [])
    return {k: v for k, v in item.items() if k in wanted} if wanted else item


def _filters(request: web.Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key in request.query:
        if key not in PAGING_KEYS and key not in out:
            out[key] = request.query.getall(key)
    return out


def _candidates(cloud: Cloud, res: Resource, filters: dict[str, list[str]]) -> list[Any]:
    for key, lookup in res.indexes:
        if key in filters:
            found: dict[Any, Any] = {}
            for value in filters[key]:
                for rec in lookup(cloud, value):
                    found[id(rec)] = rec
            return list(found.values())
    if "id" in filters:
        table = table_of(cloud, res)
        return [table[i] for i in filters["id"] if i in table]
    return list(table_of(cloud, res).values())


def list_handler(collection: str) -> Callable[[web.Request], Any]:
    res = RESOURCES[collection]

    async def handler(request: web.Request) -> web.Response:
        cloud = cloud_of(request)  # with several regions: this Neutron's region
        filters = _filters(request)
        items = [res.view(cloud, rec) for rec in _candidates(cloud, res, filters)]
        if items and filters:
            unknown = sorted(k for k in filters if k not in items[0])
            if unknown:
                raise InvalidInput(f"[{unknown[0]}] is invalid attribute for filtering",
                                   field=unknown[0])
        items = [i for i in items if _visible(request, res, i)
                 and all(_matches(i, k, v) for k, v in filters.items())]
        limit, marker = int_param(request, "limit"), request.query.get("marker")
        by_id = {i["id"]: i for i in items}
        chunk, more = page(list(by_id), limit or None, marker,
                           lambda msg, field=None: not_found(res, marker or ""))
        out: dict[str, Any] = {res.table: [_fields(request, by_id[i]) for i in chunk]}
        links = []
        if more and limit:
            links.append({"href": next_link(request, limit, chunk[-1]), "rel": "next"})
        if marker and chunk and limit:
            links.append({"href": str(request.url.update_query(
                {"limit": str(limit), "marker": chunk[0], "page_reverse": "True"})),
                "rel": "previous"})
        if links:
            out[f"{res.table}_links"] = links
        return reply(out)

    return handler


def show_handler(collection: str) -> Callable[[web.Request], Any]:
    res = RESOURCES[collection]

    async def handler(request: web.Request) -> web.Response:
        cloud = cloud_of(request)  # with several regions: this Neutron's region
        ident = request.match_info["id"]
        rec = table_of(cloud, res).get(ident)
        if rec is None:
            raise not_found(res, ident)
        item = res.view(cloud, rec)
        if not _visible(request, res, item):
            raise not_found(res, ident)
        return reply({res.singular: _fields(request, item)})

    return handler
