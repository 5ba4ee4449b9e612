"""``GET /metrics``: the Prometheus exposition of ``calipso.metrics``."""

from __future__ import annotations

from aiohttp import web

from calipso import metrics
from calipso.api.operations import Answer, Call, Operation, add_operations
from calipso.api.schemas import ERRORS


async def get_metrics(call: Call) -> web.Response:
    return web.Response(body=metrics.exposition(),
                        headers={"Content-Type": metrics.CONTENT_TYPE})


OPERATIONS = (
    Operation("GET", "/metrics", get_metrics, "Calipso's own metrics (Prometheus text)",
              "meta", answers={200: Answer("the metrics"), **ERRORS},
              content_type="text/plain"),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
