"""Calipso's own vital signs, as Prometheus metrics (served at ``GET /metrics``).

Defined here, below every layer, so each layer counts where its work happens: scans (per
phase, objects, errors and source calls per environment), events (rate, lag, dead
letters), monitoring statuses (at the one status write path), history revisions,
webhook deliveries and API requests. All live in ``REGISTRY``, not the client library's
global one, so ``/metrics`` shows Calipso's series only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST
_SLOW = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)
_FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

SCANS = Counter("calipso_scans", "Scans finished", ["env", "status"], registry=REGISTRY)
SCAN_SECONDS = Histogram("calipso_scan_seconds", "Scan duration", ["env"],
                         buckets=_SLOW, registry=REGISTRY)
SCAN_PHASE_SECONDS = Histogram("calipso_scan_phase_seconds", "Scan phase duration",
                               ["env", "phase"], buckets=_SLOW, registry=REGISTRY)
SCAN_OBJECTS = Counter("calipso_scan_objects", "Objects found by scans",
                       ["env", "type"], registry=REGISTRY)
SCAN_ERRORS = Counter("calipso_scan_errors", "Scan errors, per source",
                      ["env", "source"], registry=REGISTRY)
SOURCE_CALLS = Counter("calipso_source_calls", "SSH commands, API calls, MySQL queries",
                       ["env", "source"], registry=REGISTRY)
SOURCE_FAILURES = Counter("calipso_source_failures", "Failed SSH, API and MySQL calls",
                          ["env", "source"], registry=REGISTRY)
EVENTS = Counter("calipso_events", "Events handled", ["env", "event_type"],
                 registry=REGISTRY)
EVENT_LAG = Histogram("calipso_event_lag_seconds", "From an event's time to its handling",
                      ["env"], buckets=_FAST, registry=REGISTRY)
DEAD_LETTERS = Counter("calipso_event_dead_letters", "Events dead-lettered", ["env"],
                       registry=REGISTRY)
STATUS_RESULTS = Counter("calipso_status_results", "Monitoring results written",
                         ["env", "kind", "status"], registry=REGISTRY)
STATUS_CHANGES = Counter("calipso_status_changes", "Monitoring statuses that changed",
                         ["env", "kind", "status"], registry=REGISTRY)
REVISIONS = Counter("calipso_revisions", "History revisions recorded",
                    ["env", "kind", "change"], registry=REGISTRY)
WEBHOOK_DELIVERIES = Counter("calipso_webhook_deliveries", "Webhook delivery attempts",
                             ["outcome"], registry=REGISTRY)
API_SECONDS = Histogram("calipso_api_request_seconds", "HTTP API request latency",
                        ["method", "route", "status"], buckets=_FAST, registry=REGISTRY)


def observe_scan(env: str, status: str, seconds: float, phase_seconds: Mapping[str, float],
                 counts: Mapping[str, int], errors: Iterable[Mapping[str, str]],
                 source_calls: Mapping[str, int]) -> None:
    SCANS.labels(env, status).inc()
    SCAN_SECONDS.labels(env).observe(seconds)
    for phase, spent in phase_seconds.items():
        SCAN_PHASE_SECONDS.labels(env, phase).observe(spent)
    for object_type, count in counts.items():
        SCAN_OBJECTS.labels(env, object_type).inc(count)
    for error in errors:
        source = error.get("source") or "unknown"
        SCAN_ERRORS.labels(env, source).inc()
        SOURCE_FAILURES.labels(env, source).inc()
    for source, calls in source_calls.items():
        SOURCE_CALLS.labels(env, source).inc(calls)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
