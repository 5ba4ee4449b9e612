"""The resource route modules of the HTTP API, in the order they are added to the app."""

from __future__ import annotations

from calipso.api import (
    aggregates,
    auth_routes,
    clique_types,
    cliques,
    connection_tests,
    constants,
    environment_configs,
    graph,
    history,
    inventory,
    links,
    messages,
    metrics_route,
    monitoring_results,
    monitoring_status,
    monitoring_templates,
    openapi,
    scans,
    scheduled_scans,
    search,
    webhooks,
)
from calipso.api.app import RouteSetup

ROUTES: tuple[RouteSetup, ...] = (
    auth_routes.setup,
    inventory.setup,
    search.setup,
    links.setup,
    cliques.setup,
    clique_types.setup,
    graph.setup,
    scans.setup,
    scheduled_scans.setup,
    messages.setup,
    constants.setup,
    monitoring_templates.setup,
    monitoring_results.setup,
    monitoring_status.setup,
    aggregates.setup,
    environment_configs.setup,
    connection_tests.setup,
    history.setup,
    metrics_route.setup,
    webhooks.setup,
    openapi.setup,
)
