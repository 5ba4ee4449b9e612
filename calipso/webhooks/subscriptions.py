"""Webhook subscriptions: which changes a URL is told of.

A subscription is ``{url, secret, environment, kinds, object_types, changes}``; an empty
list (or no environment) means any. ``changes`` holds ``added``, ``changed``, ``removed``,
``status`` (monitoring status changes) and ``cleared``. The secret signs each body and is
never answered back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from bson import ObjectId
from bson.errors import InvalidId
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field
from pymongo.asynchronous.database import AsyncDatabase

from calipso.errors import NotFound
from calipso.inventory import Doc

Change = Literal["added", "changed", "removed", "status", "cleared"]
Kind = Literal["object", "link", "clique", "environment"]


class Subscription(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: AnyHttpUrl
    secret: Annotated[str, Field(min_length=16, max_length=200,
                                 description="HMAC-SHA256 key of the signature (write-only)",
                                 json_schema_extra={"writeOnly": True})]
    environment: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    kinds: list[Kind] = Field(default_factory=list, max_length=4)
    object_types: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100,
        description="object types or link types (empty: any)")
    changes: list[Change] = Field(default_factory=list, max_length=5)


def matches(sub: Doc, revision: Doc) -> bool:
    env = sub.get("environment")
    return ((env is None or env == revision["environment"])
            and (not sub.get("kinds") or revision["kind"] in sub["kinds"])
            and (not sub.get("object_types") or revision.get("type") in sub["object_types"])
            and (not sub.get("changes") or revision["change"] in sub["changes"]))


def public(sub: Doc) -> Doc:
    """A subscription as the API shows it: no secret."""
    out = {k: v for k, v in sub.items() if k not in ("_id", "secret")}
    out["id"] = str(sub["_id"])
    return out


async def add(db: AsyncDatabase, sub: Subscription) -> str:
    doc = sub.model_dump(mode="json") | {"created_at": datetime.now(UTC)}
    result = await db.webhooks.insert_one(doc)
    return str(result.inserted_id)


async def listed(db: AsyncDatabase) -> list[Doc]:
    return [public(doc) async for doc in db.webhooks.find({}).sort("_id", 1)]


async def remove(db: AsyncDatabase, sub_id: str) -> None:
    """Delete a subscription and what it still had to deliver."""
    try:
        oid = ObjectId(sub_id)
    except InvalidId:
        raise NotFound(f"no webhook {sub_id}", field="id") from None
    if (await db.webhooks.delete_one({"_id": oid})).deleted_count == 0:
        raise NotFound(f"no webhook {sub_id}", field="id")
    await db.webhook_deliveries.delete_many({"subscription_id": oid})
