"""``/webhooks``: subscriptions to changes (``calipso.webhooks``); admin only. The secret
is write-only."""

from __future__ import annotations

from aiohttp import web

from calipso.api.listing import OBJECT_ID_PARAM, check_environment
from calipso.api.operations import Answer, Call, Operation, Reply, Role, add_operations
from calipso.api.schemas import ERRORS, Document, Message
from calipso.webhooks import subscriptions
from calipso.webhooks.subscriptions import Subscription


async def get_webhooks(call: Call) -> object:
    return {"webhooks": await subscriptions.listed(call.db)}


async def create_webhook(call: Call) -> Reply:
    body: Subscription = call.body
    await check_environment(call, body.environment, "environment")
    sub_id = await subscriptions.add(call.db, body)
    return Reply({"message": f"webhook to {body.url} created", "id": sub_id}, 201)


async def delete_webhook(call: Call) -> object:
    await subscriptions.remove(call.db, call.path("id"))
    return {"message": f"webhook {call.path('id')} deleted"}


OPERATIONS = (
    Operation("GET", "/webhooks", get_webhooks, "Webhook subscriptions", "webhooks",
              role=Role.ADMIN, answers={200: Answer("the subscriptions", Document), **ERRORS}),
    Operation("POST", "/webhooks", create_webhook, "Subscribe a URL to changes", "webhooks",
              role=Role.ADMIN, body=Subscription,
              answers={201: Answer("created", Message), **ERRORS}),
    Operation("DELETE", "/webhooks/{id}", delete_webhook, "Delete a webhook subscription",
              "webhooks", role=Role.ADMIN, path_params=OBJECT_ID_PARAM,
              answers={200: Answer("deleted", Message), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
