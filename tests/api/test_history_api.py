"""History over HTTP: snapshots, diffs, `as of`, timelines, impact, exports, metrics,
with a small inventory written through the one write path."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from api_client import ENV, Api

from calipso.inventory import (
    InventoryWriter,
    LinkWriter,
    Status,
    change_origin,
    set_object_status,
)

pytestmark = pytest.mark.timeout(120)


def obj(ident: str, typ: str, path: str, **fields: object) -> dict:
    return {"id": ident, "type": typ, "name": ident, "id_path": f"/{ENV}/{path}",
            "parent_id": path.rsplit("/", 2)[-2] if "/" in path else ENV, **fields}


DOCS = [obj("node-1", "host", "node-1"),
        obj("vm-a", "instance", "node-1/vm-a", host="node-1", network=["net-1"],
            project_id="p1"),
        obj("tap-a", "vnic", "node-1/vm-a/tap-a", host="node-1"),
        obj("net-1", "network", "net-1", tenant_id="p1")]


async def write(api: Api, docs: list[dict], links: list[tuple[str, str, str]]) -> None:
    at = datetime.now(UTC)
    with change_origin("api", user="test"):
        writer = InventoryWriter(api.db, ENV, at)
        await writer.load_existing()
        await writer.add(docs)
        await writer.remove_unseen([])
        link_writer = LinkWriter(api.db, ENV, at)
        await link_writer.load_existing()
        for link_type, source, target in links:
            await link_writer.add({"link_type": link_type, "source_id": source,
                                   "target_id": target, "link_name": f"{source}-{target}"})
        await link_writer.remove_unseen()


async def test_history_diff_impact_and_exports_over_http(api: Api) -> None:
    await api.add_env()
    a = api.admin
    await write(api, DOCS, [("instance-vnic", "vm-a", "tap-a")])
    await asyncio.sleep(0.01)
    taken = await a.post("/history/snapshots", {"env_name": ENV, "name": "before"})
    assert taken.status == 201
    assert (await a.post("/history/snapshots", {"env_name": ENV, "name": "before"})).status \
        == 409
    renamed = [{**d, "name": "web"} if d["id"] == "vm-a" else d for d in DOCS[:-1]]
    await write(api, renamed, [])

    changed = await a.get("/history/diff", env_name=ENV, since="snapshot:before")
    assert changed.status == 200, changed.body
    assert changed.body["counts"] == {"added": 0, "removed": 2, "changed": 1}
    assert changed.body["objects"]["instance"]["changed"][0]["fields"]["name"] == {
        "old": "vm-a", "new": "web"}
    assert [e["key"] for e in changed.body["objects"]["network"]["removed"]] == ["net-1"]
    assert changed.body["links"]["instance-vnic"]["removed"][0]["source_id"] == "vm-a"

    before = await a.get("/history/object", env_name=ENV, id="vm-a", at="snapshot:before")
    assert before.status == 200 and before.body["name"] == "vm-a"
    gone = await a.get("/history/object", env_name=ENV, id="net-1", at="now")
    assert gone.status == 404
    link = await a.get("/history/link", env_name=ENV, at="snapshot:before",
                       link_type="instance-vnic", source_id="vm-a", target_id="tap-a")
    assert link.status == 200 and link.body["link_name"] == "vm-a-tap-a"
    timeline = await a.get("/history/timeline", env_name=ENV, key="vm-a")
    assert [(r["change"], r["by"]) for r in timeline.body["revisions"]] == [
        ("added", {"by": "api", "user": "test"}), ("changed", {"by": "api", "user": "test"})]

    for bad in ("yesterday", "99999999999999999999w", "2024-02-31"):
        answer = await a.get("/history/diff", env_name=ENV, since=bad)
        assert answer.status == 400 and answer.body["error"]["field"] == "since"
    missing = await a.get("/history/diff", env_name=ENV, since="snapshot:nope")
    assert missing.status == 404
    assert (await a.get("/history/diff", env_name="nowhere", since="1h")).status == 404

    await write(api, DOCS, [("instance-vnic", "vm-a", "tap-a")])
    hit = await a.get("/impact", env_name=ENV, id="node-1")
    assert [e["id"] for e in hit.body["instances"]] == ["vm-a"]
    assert [e["id"] for e in hit.body["networks"]] == ["net-1"]
    assert [e["id"] for e in hit.body["projects"]] == ["p1"]
    needs = await a.get("/impact", env_name=ENV, id="vm-a", direction="dependencies")
    assert set(needs.body["depends_on"]) == {"vnic", "host", "network"}
    assert (await a.get("/impact", env_name=ENV, id="nothing")).status == 404

    dot = await a.get("/export", env_name=ENV, format="dot")
    assert dot.status == 200 and '"vm-a" -> "tap-a"' in dot.text
    graphml = await a.get("/export", env_name=ENV, format="graphml", object="vm-a")
    assert graphml.status == 200 and "<graphml" in graphml.text
    graph = await a.get("/export", env_name=ENV)
    assert set(graph.body["graph"]["nodes"]) == {d["id"] for d in DOCS}
    assert json.loads(graph.text)["graph"]["metadata"]["environment"] == ENV
    # the reverse diff: from now back to the snapshot
    back = await a.get("/history/diff", env_name=ENV, since="now", until="snapshot:before")
    assert back.body["counts"] == {"added": 0, "removed": 0, "changed": 0}

    assert (await a.delete("/history/snapshots", env_name=ENV, name="before")).status == 200
    assert (await a.get("/history/snapshots", env_name=ENV)).body == {"snapshots": []}

    # Calipso's own metrics: API latency per route, revisions recorded, statuses
    await set_object_status(api.db, ENV, "vm-a", Status.Warning, "slow", datetime.now(UTC))
    metrics = await a.get("/metrics")
    assert metrics.status == 200
    assert metrics.headers["Content-Type"].startswith("text/plain")
    lines = metrics.text.splitlines()
    assert any(line.startswith('calipso_api_request_seconds_count{method="GET",'
                               'route="/history/diff",status="200"}') for line in lines)
    assert any(line.startswith(
        f'calipso_revisions_total{{change="changed",env="{ENV}",kind="object"}}')
        for line in lines)
    assert any(line.startswith(f'calipso_status_changes_total{{env="{ENV}",kind="object",'
                               'status="Warning"}') for line in lines)
    assert (await api.anonymous.get("/metrics")).status == 401

    # what an API call writes is history by its caller: deleting the environment clears it
    assert (await a.call("DELETE", f"/environment_configs/{ENV}",
                         params={"purge": "true"})).status == 200
    cleared = await api.db.revisions.find_one({"environment": ENV, "change": "cleared"})
    assert cleared is not None and cleared["by"] == {"by": "api", "user": "admin"}


async def test_webhook_subscriptions_never_show_their_secret(api: Api) -> None:
    await api.add_env()
    a = api.admin
    secret = "s3cret-of-the-receiver-1234"
    made = await a.post("/webhooks", {"url": "http://127.0.0.1:9/hook", "secret": secret,
                                      "environment": ENV, "changes": ["status"]})
    assert made.status == 201, made.body
    listed = await a.get("/webhooks")
    assert [w["changes"] for w in listed.body["webhooks"]] == [["status"]]
    assert secret not in listed.text
    short = await a.post("/webhooks", {"url": "http://127.0.0.1:9/hook", "secret": "short"})
    assert short.status == 400 and short.body["error"]["field"] == "secret"
    elsewhere = await a.post("/webhooks", {"url": "http://127.0.0.1:9/hook", "secret": secret,
                                           "environment": "nowhere"})
    assert elsewhere.status == 404
    viewer = await api.viewer()
    assert (await viewer.get("/webhooks")).status == 403
    assert (await a.delete(f"/webhooks/{made.body['id']}")).status == 200
    assert (await a.delete(f"/webhooks/{made.body['id']}")).status == 404
