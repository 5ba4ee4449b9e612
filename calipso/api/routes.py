"""The resource route modules of the HTTP API, in the order they are added to the app."""

from __future__ import annotations

from calipso.api.app import RouteSetup

ROUTES: tuple[RouteSetup, ...] = ()
