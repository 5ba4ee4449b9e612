"""Link finders on the captured documents of ../shared/fixtures/inventory."""

from __future__ import annotations

import json
from typing import Any

from bson import ObjectId
from link_topology import (
    env_config,
    insert,
    link_context,
    links_of,
    new_env_name,
    pairs,
    want_implicit,
)
from pymongo.asynchronous.database import AsyncDatabase
from shared_fixtures import shared_fixture

from calipso.links.find_implicit_links import FindImplicitLinks
from calipso.links.find_links_for_vedges import FindLinksForVedges
from calipso.links.find_links_for_vservice_vnics import FindLinksForVserviceVnics

XIAOCONG = "docs/Mirantis-Liberty-Xiaocong"
SHAPE = ("link_type", "source_id", "target_id", "host", "link_name", "state",
         "source_label", "target_label", "link_weight", "attributes")


def _load(rel: str) -> Any:
    return json.loads(shared_fixture(f"inventory/{rel}").read_text())


def _doc(rel: str) -> dict[str, Any]:
    doc = _load(rel)
    doc.pop("_id", None)
    return doc


async def test_implicit_links_of_the_explicit_chain(db: AsyncDatabase) -> None:
    env = env_config(new_env_name())
    chain = _load("links/explicit_links_chain.json")
    expected = _load("links/implicit_links_expected.json")
    ids = {name: ObjectId() for link in chain for name in (link["source"], link["target"])}
    await db.links.insert_many([
        {**link, "environment": env.name, "implicit": False,
         "source": ids[link["source"]], "target": ids[link["target"]]} for link in chain])
    await db.clique_constraints.insert_one(
        {"environment": "ANY", "focal_point_type": "instance", "constraints": ["network"]})
    await want_implicit(db, env.name)
    finder = FindImplicitLinks(link_context(db, env))
    await finder.run()
    found = await links_of(db, env.name, implicit=True)
    assert sorted(({k: d.get(k) for k in SHAPE} for d in found), key=str) == \
        sorted(({k: d.get(k) for k in SHAPE} for d in expected), key=str)
    by_type = {d["link_type"]: d for d in found}
    for want in expected:
        link = by_type[want["link_type"]]
        assert link["source"] == ids[want["source"]] and link["target"] == ids[want["target"]]


async def test_implicit_links_respect_constraints(db: AsyncDatabase) -> None:
    env = env_config(new_env_name())
    a, b, c = ObjectId(), ObjectId(), ObjectId()
    base = {"environment": env.name, "implicit": False, "state": "up", "link_weight": 0}
    await db.links.insert_many([
        {**base, "link_type": "vnic-vedge", "source": a, "source_id": "v1", "target": b,
         "target_id": "e1", "attributes": {"network": "n1"}},
        {**base, "link_type": "vedge-otep", "source": b, "source_id": "e1", "target": c,
         "target_id": "o1", "attributes": {"network": "n2"}},
    ])
    await db.clique_constraints.insert_one(
        {"environment": env.name, "focal_point_type": "vnic", "constraints": ["network"]})
    await FindImplicitLinks(link_context(db, env)).run()
    assert await links_of(db, env.name, implicit=True) == []


def _xiaocong_vnics(host_prefixed: bool) -> list[dict[str, Any]]:
    vnics = _load("fetcher_results/cli_fetch_vservice_vnics.json")
    out = []
    for vnic in vnics:
        vnic = {k: v for k, v in vnic.items() if not k.startswith("master_")}
        if host_prefixed:  # today's id scheme: <host>-<interface>
            vnic["id"] = f"{vnic['host']}-{vnic['name']}"
        out.append(vnic)
    return out


async def test_xiaocong_dhcp_vnic_links_to_its_namespace(db: AsyncDatabase) -> None:
    env = env_config(new_env_name())
    docs = [_doc(f"{XIAOCONG}/host/node-6.cisco.com.json"),
            _doc(f"{XIAOCONG}/vservice/qdhcp-8673c48a-f137-4497-b25d-08b7b218fd17.json"),
            _doc(f"{XIAOCONG}/network/8673c48a-f137-4497-b25d-08b7b218fd17.json"),
            *_xiaocong_vnics(host_prefixed=False)]
    await insert(db, env.name, docs)
    await FindLinksForVserviceVnics(link_context(db, env)).run()
    [link] = await links_of(db, env.name)
    assert (link["link_type"], link["source_id"], link["target_id"]) == (
        "vservice-vnic", "qdhcp-8673c48a-f137-4497-b25d-08b7b218fd17", "tapa68b2627-a1")
    assert link["link_name"] == "25"
    assert link["attributes"] == {"network": "8673c48a-f137-4497-b25d-08b7b218fd17"}
    assert link["host"] == "node-6.cisco.com"


async def test_xiaocong_vedge_ports_link_namespace_vnics(db: AsyncDatabase) -> None:
    env = env_config(new_env_name())
    vedge = _doc(f"{XIAOCONG}/vedge/1764430c-c09e-4717-86fa-c04350b1fcbb.json")
    await insert(db, env.name, [vedge, *_xiaocong_vnics(host_prefixed=True)])
    await FindLinksForVedges(link_context(db, env)).run()
    links = await links_of(db, env.name)
    host, vedge_id = "node-6.cisco.com", vedge["id"]
    assert {("vnic-vedge", f"{host}-tap16620a58-c4", vedge_id),
            ("vnic-vedge", f"{host}-qr-bb9b8340-72", vedge_id)} <= pairs(links)
    # vNICs without a port on br-int (not in the vedge document) get no link
    assert ("vnic-vedge", f"{host}-tapa68b2627-a1", vedge_id) not in pairs(links)
    dhcp = next(d for d in links if d["source_id"] == f"{host}-tap16620a58-c4")
    assert dhcp["link_name"] == "tap16620a58-c4-node-6.cisco.com-OVS-6"
    assert dhcp["source_label"] == "fa:16:3e:d7:c5:16" and dhcp["target_label"] == "16"
