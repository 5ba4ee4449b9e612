"""Typed application keys: the API reaches the service through these, never string keys."""

from __future__ import annotations

from aiohttp import web

from calipso.service_context import ServiceContext

SERVICE = web.AppKey("service", ServiceContext)
