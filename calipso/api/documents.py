"""Turning MongoDB documents into the API's JSON: ids, datetimes, projections, list bodies."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from aiohttp import web
from bson import ObjectId

Doc = dict[str, Any]


def _json_default(value: object) -> object:
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def dumps(body: object) -> str:
    """JSON text; NaN and infinities (which JSON lacks) become null."""
    try:
        return json.dumps(body, default=_json_default, ensure_ascii=False, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(body), default=_json_default, ensure_ascii=False)


def json_reply(body: object, status: int = 200) -> web.Response:
    return web.Response(text=dumps(body), status=status, content_type="application/json")


def public_doc(doc: Mapping[str, Any]) -> Doc:
    """A whole document as the API shows it: ``_id`` as text, ``id`` set when it has none."""
    out = dict(doc)
    oid = out.get("_id")
    if oid is not None:
        out["_id"] = str(oid)
        out.setdefault("id", str(oid))
    return out


def list_item(doc: Mapping[str, Any], fields: Iterable[str]) -> Doc:
    """The projected form of a document in a list: ``id`` first (``_id`` when it has none)."""
    item: Doc = {}
    ident = doc.get("id")
    item["id"] = str(doc["_id"]) if ident is None and "_id" in doc else ident
    for name in fields:
        if name != "id" and name in doc:
            item[name] = doc[name]
    return item


def list_body(plural: str, items: list[Doc], total: int, page: int, page_size: int) -> Doc:
    return {plural: items, "total": total, "page": page, "page_size": page_size}


def projection(fields: Iterable[str]) -> dict[str, int]:
    proj = dict.fromkeys(fields, 1)
    proj["_id"] = 1
    return proj
