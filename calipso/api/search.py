"""``GET /search``: objects whose name, id, address, host or segment contains the given text,
in one environment or in all of them; each answer says which field matched."""

from __future__ import annotations

import re
from typing import Annotated, Any

from aiohttp import web
from pydantic import Field

from calipso.api.documents import list_body, list_item
from calipso.api.listing import check_environment
from calipso.api.operations import Answer, Call, Operation, add_operations
from calipso.api.query import COUNTS, EnvName, OneOf, PagedQuery, read_page
from calipso.api.schemas import ERRORS, ItemList, Open

FIELDS = ("id", "type", "name", "object_name", "environment", "name_path", "id_path")
# what identifies an object, in the order a match is reported: names, ids, addresses, hosts
SEARCHED = (
    "name", "object_name", "local_name",
    "id", "uuid", "port_id", "device_id", "network_id", "instance_id",
    "ip_address", "IP Address", "fixed_ips.ip_address",
    "mac_address",
    "cidrs", "cidr",
    "provider:segmentation_id",
    "host", "binding:host_id",
)
SEGMENTATION = "provider:segmentation_id"  # stored as a number


class SearchQuery(PagedQuery):
    q: str = Field(min_length=1, max_length=200,
                   description="text a name, id, IP or MAC address, CIDR, segmentation id "
                               "or host name contains (any case, taken literally)")
    env_name: EnvName | None = Field(None, description="one environment (default: all)")
    type: Annotated[str, OneOf("inventory_types")] | None = Field(
        None, description="only objects of this type")
    page_size: int = Field(50, ge=1, le=1000)


class Match(Open):
    id: Any = None
    type: str | None = None
    name: str | None = None
    environment: str | None = None
    matched_field: str = Field(description="the field that contains the text, e.g. "
                                           "`mac_address`")
    matched_value: Any = Field(description="its value")


def _values(doc: Any, path: list[str]) -> list[Any]:
    """The values at a dotted path, through lists."""
    if isinstance(doc, list):
        return [v for item in doc for v in _values(item, path)]
    if not path:
        return [doc]
    if not isinstance(doc, dict) or path[0] not in doc:
        return []
    return _values(doc[path[0]], path[1:])


def first_match(doc: dict[str, Any], text: str) -> tuple[str, Any] | None:
    """The first searched field whose value contains ``text`` (any case), and that value."""
    wanted = text.casefold()
    for field in SEARCHED:
        for value in _values(doc, field.split(".")):
            if isinstance(value, bool) or value is None:
                continue
            if (isinstance(value, int) and str(value) == text) or \
                    (isinstance(value, str) and wanted in value.casefold()):
                return field, value
    return None


def search_filter(q: SearchQuery) -> dict[str, Any]:
    pattern = {"$regex": re.escape(q.q), "$options": "i"}
    alternatives: list[dict[str, Any]] = [{field: pattern} for field in SEARCHED]
    if q.q.isascii() and q.q.isdigit() and len(q.q) < 10:  # a VLAN or VNI, not 2**63
        alternatives.append({SEGMENTATION: int(q.q)})
    filt: dict[str, Any] = {"$or": alternatives}
    if q.env_name is not None:
        filt["environment"] = q.env_name
    if q.type is not None:
        filt["type"] = q.type
    return filt


async def search(call: Call) -> object:
    q: SearchQuery = call.query
    fields = tuple(dict.fromkeys((*FIELDS, *SEARCHED)))
    docs, total = await read_page(call.db.inventory, search_filter(q), fields, q,
                                  sort=[("environment", 1), ("name", 1), ("_id", 1)],
                                  counts=call.request.app[COUNTS])
    if total == 0:
        await check_environment(call, q.env_name)
    items = []
    for doc in docs:
        item = list_item(doc, FIELDS)
        found = first_match(doc, q.q)
        if found is not None:
            item["matched_field"], item["matched_value"] = found
        items.append(item)
    return list_body("objects", items, total, q.page, q.page_size)


OPERATIONS = (
    Operation("GET", "/search", search,
              "Find objects by name, id, IP or MAC address, CIDR, segmentation id or host",
              "inventory", query=SearchQuery,
              answers={200: Answer("matches, each with the field that matched",
                                   ItemList.of("objects", Match, "SearchMatches")), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
