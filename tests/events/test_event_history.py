"""History against the simulator: mutations applied by events, then the diff between
before and after is exactly what changed in the stored inventory, links and cliques; the
state `as of` the moment after the scan is what the scan stored then."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from event_rig import STAMPS, comparable, event_rig, snapshot

from calipso.history.diff import PLURAL, diff
from calipso.history.moments import resolve, take_snapshot
from calipso.history.states import state_at, timeline
from calipso.inventory import Status, set_object_status
from calipso.inventory.revisions import BOOKKEEPING
from calipso.metrics import REGISTRY
from calipso.scanners.metadata_files import Metadata
from calipso.sim import spec_from_flags

pytestmark = pytest.mark.timeout(300)


def diff_as_snapshot_keys(result: dict[str, Any]) -> dict[str, Any]:
    """The diff in the terms of ``event_rig.snapshot``: key -> added, removed or the
    changed field names (stamps left out, as the snapshot leaves them out)."""
    out: dict[str, Any] = {}
    for kind, plural in PLURAL.items():
        for group in result[plural].values():
            for what in ("added", "removed", "changed"):
                for entry in group[what]:
                    key = entry["key"].replace("|", " ") if kind == "link" else entry["key"]
                    fields = sorted(f for f in entry.get("fields", {}) if f not in STAMPS)
                    out[f"{kind} {key}"] = fields if what == "changed" else what
    return {k: v for k, v in out.items() if v != []}


def snapshot_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: "added" for k in after.keys() - before.keys()}
    out |= {k: "removed" for k in before.keys() - after.keys()}
    for key in before.keys() & after.keys():
        a, b = before[key], after[key]
        fields = sorted(f for f in a.keys() | b.keys()
                        if f != "links_detailed" and a.get(f) != b.get(f))
        if fields:
            out[key] = fields
    return out


async def test_the_diff_of_event_mutations_is_exactly_what_they_changed(
        db: Any, metadata: Metadata) -> None:
    spec = spec_from_flags(hosts=3, instances=4, networks=2, seed=14)
    async with event_rig(db, spec, metadata) as rig:
        env = rig.env.name
        scanned = await snapshot(db, env)
        await asyncio.sleep(0.01)  # revisions are kept to the millisecond
        await take_snapshot(db, env, "before maintenance")
        after_scan = datetime.now(UTC)
        cloud = rig.sim.cloud
        project = next(p.id for p in cloud.projects.values() if p.name == "demo")
        instances = sorted(cloud.instances.values(), key=lambda i: i.uuid)
        net = cloud.create_network("hist-net", project)
        cloud.create_subnet(net.id, "10.140.0.0/24", "hist-sub")
        cloud.rename_instance(instances[0].uuid, "renamed-by-history-test")
        cloud.delete_instance(instances[1].uuid)
        cloud.create_instance("hist-vm", project, [net.id])
        await rig.settle()
        after = await snapshot(db, env)
        since = await resolve(db, env, "snapshot:before maintenance")
        result = await diff(db, env, since, datetime.now(UTC))
        # a status change is history too, and shows in a later diff
        await asyncio.sleep(0.01)
        mid = datetime.now(UTC)
        await set_object_status(db, env, instances[0].uuid, Status.Error, "down", mid)
        status_diff = await diff(db, env, mid, datetime.now(UTC))
        past_objects = await state_at(db, env, "object", after_scan)
        past_links = await state_at(db, env, "link", after_scan)
        past_cliques = await state_at(db, env, "clique", after_scan)
        renamed = await timeline(db, env, "object", instances[0].uuid)
        sample = REGISTRY.get_sample_value
        scans = sample("calipso_scans_total", {"env": env, "status": "completed"})
        events = sum(sample("calipso_events_total", {"env": env, "event_type": t}) or 0
                     for t in rig.listener.stats.applied)
        lags = sample("calipso_event_lag_seconds_count", {"env": env})

    expected = snapshot_changes(scanned, after)
    assert "object " + instances[1].uuid in expected  # the mutations did show
    assert diff_as_snapshot_keys(result) == expected
    assert result["counts"]["removed"] >= 1 and result["counts"]["added"] >= 3
    rename = next(e for e in result["objects"]["instance"]["changed"]
                  if e["key"] == instances[0].uuid)
    assert rename["fields"]["name"] == {"old": instances[0].name,
                                        "new": "renamed-by-history-test"}
    assert status_diff["counts"] == {"added": 0, "removed": 0, "changed": 1}
    assert status_diff["objects"]["instance"]["changed"][0]["fields"]["status"]["new"] \
        == "Error"
    # as of the moment after the scan: what the scan stored then
    past = {f"object {k}": comparable(v) for k, v in past_objects.items()}
    past |= {f"link {k.replace('|', ' ')}": comparable(v) for k, v in past_links.items()}
    past |= {f"clique {k}": comparable(v) for k, v in past_cliques.items()}
    for doc in past.values():
        doc.pop("links_detailed", None)
    stored = {k: {f: v for f, v in doc.items() if f not in BOOKKEEPING}
              for k, doc in scanned.items()}
    assert past == stored
    # Calipso's metrics counted the scan and the events
    assert scans == 1 and events == sum(rig.listener.stats.applied.values()) > 0
    assert lags is not None and lags > 0
    # the renamed instance's timeline: added by the scan, renamed by an event, a status
    assert [(r["change"], r["by"]["by"]) for r in renamed] == [
        ("added", "scan"), ("changed", "event"), ("status", "monitoring")]
