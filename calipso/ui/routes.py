"""The UI's routes, added to the API's app by ``calipso serve``."""

from __future__ import annotations

from calipso.api.app import RouteSetup
from calipso.ui import assets, environments, live, overview, tree

UI_ROUTES: tuple[RouteSetup, ...] = (assets.setup, environments.setup, tree.setup,
                                     overview.setup, live.setup)
