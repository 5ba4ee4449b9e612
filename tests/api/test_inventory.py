"""Reading what discovery stored: inventory, search, links, cliques, constraints, graph."""

from __future__ import annotations

import pytest
from api_client import ENV, Api
from bson import ObjectId

pytestmark = pytest.mark.timeout(120)


def obj(ident: str, typ: str, parent: str, name: str | None = None) -> dict:
    id_path = f"/{ENV}/{parent}/{ident}" if parent else f"/{ENV}/{ident}"
    return {"environment": ENV, "id": ident, "type": typ, "name": name or ident,
            "object_name": name or ident, "id_path": id_path,
            "name_path": id_path.replace(ENV, ENV), "parent_id": parent.rsplit("/", 1)[-1]}


async def seed_tree(api: Api) -> dict[str, ObjectId]:
    """A small tree: a region with two hosts; node-1 has an instance and a vNIC."""
    docs = [
        obj("RegionOne", "region", ""),
        obj("node-1", "host", "RegionOne"),
        obj("node-10", "host", "RegionOne"),
        obj("vm-a", "instance", "RegionOne/node-1", "Web Server (a)"),
        obj("node-1-tap1", "vnic", "RegionOne/node-1/vm-a"),
        obj("node-1-br", "vconnector", "RegionOne/node-1"),
        obj("x.y", "host", "RegionOne"),
        obj("xzy-child", "vnic", "RegionOne/xzy"),
    ]
    result = await api.db.inventory.insert_many(docs)
    return {d["id"]: oid for d, oid in zip(docs, result.inserted_ids, strict=True)}


async def test_inventory_list_single_and_paths(api: Api) -> None:
    await api.add_env()
    await seed_tree(api)
    a = api.admin
    listed = await a.get("/inventory", env_name=ENV)
    assert listed.status == 200 and listed.body["total"] == 8
    assert set(listed.body["objects"][0]) == {"id", "name", "name_path"}
    single = await a.get("/inventory", env_name=ENV, id="vm-a")
    assert single.status == 200
    assert single.body["type"] == "instance" and len(single.body["_id"]) == 24
    children = await a.get("/inventory", env_name=ENV, parent_path=f"/{ENV}/RegionOne")
    assert {o["id"] for o in children.body["objects"]} == {"node-1", "node-10", "x.y"}
    subtree = await a.get("/inventory", env_name=ENV, parent_path=f"/{ENV}/RegionOne/node-1",
                          sub_tree="true")
    assert {o["id"] for o in subtree.body["objects"]} == {
        "node-1", "vm-a", "node-1-tap1", "node-1-br"}  # not node-10
    # the path is literal text, not a regex: "x.y" does not match "xzy"
    dotted = await a.get("/inventory", env_name=ENV, parent_path=f"/{ENV}/RegionOne/x.y",
                         sub_tree="1")
    assert [o["id"] for o in dotted.body["objects"]] == ["x.y"]
    by_parent = await a.get("/inventory", env_name=ENV, parent_id="node-1")
    assert {o["id"] for o in by_parent.body["objects"]} == {"vm-a", "node-1-br"}
    by_type = await a.get("/inventory", env_name=ENV, type="host")
    assert by_type.body["total"] == 3
    by_path = await a.get("/inventory", env_name=ENV, id_path=f"/{ENV}/RegionOne/node-1")
    assert [o["id"] for o in by_path.body["objects"]] == ["node-1"]


async def test_inventory_paging_counts_the_total(api: Api) -> None:
    await api.add_env()
    await seed_tree(api)
    seen = []
    for page in range(3):
        answer = await api.admin.get("/inventory", env_name=ENV, page=page, page_size=3)
        assert answer.body["total"] == 8
        assert answer.body["page"] == page and answer.body["page_size"] == 3
        seen += [o["id"] for o in answer.body["objects"]]
    assert len(seen) == 8 and len(set(seen)) == 8
    past = await api.admin.get("/inventory", env_name=ENV, page=9, page_size=3)
    assert past.status == 200 and past.body["objects"] == [] and past.body["total"] == 8


async def test_an_empty_answer_is_an_empty_list_and_an_unknown_env_is_404(api: Api) -> None:
    await api.add_env()
    empty = await api.admin.get("/inventory", env_name=ENV, type="vnic")
    assert empty.status == 200 and empty.body["objects"] == [] and empty.body["total"] == 0
    missing = await api.admin.get("/inventory", env_name=ENV, id="nope")
    assert missing.status == 404
    unknown = await api.admin.get("/inventory", env_name="Nowhere")
    assert unknown.status == 404
    assert unknown.body["error"] == {"code": 404, "title": "Not Found",
                                     "message": "unknown environment: Nowhere",
                                     "field": "env_name"}
    assert (await api.admin.get("/inventory", env_name="Nowhere", id="x")).status == 404


@pytest.mark.parametrize(("params", "field"), [
    ({}, "env_name"),
    ({"env_name": ENV, "colour": "red"}, "colour"),
    ({"env_name": ENV, "id": ""}, "id"),
    ({"env_name": ENV, "page": "x"}, "page"),
    ({"env_name": ENV, "page": "-1"}, "page"),
    ({"env_name": ENV, "page_size": "0"}, "page_size"),
    ({"env_name": ENV, "page_size": "100001"}, "page_size"),
    ({"env_name": ENV, "sub_tree": "maybe"}, "sub_tree"),
    ({"env_name": [ENV, ENV]}, "env_name"),
])
async def test_inventory_query_errors_name_the_key(api: Api, params: dict, field: str) -> None:
    query = [(k, v) for k, vs in params.items() for v in (vs if isinstance(vs, list) else [vs])]
    answer = await api.admin.call("GET", "/inventory", params=query)
    assert answer.status == 400
    assert answer.body["error"]["field"] == field


async def test_search_finds_names_in_any_case_literally(api: Api) -> None:
    await api.add_env()
    await seed_tree(api)
    found = await api.admin.get("/search", env_name=ENV, q="server (A")
    assert found.status == 200
    assert [o["id"] for o in found.body["objects"]] == ["vm-a"]
    assert found.body["objects"][0]["type"] == "instance"
    hosts = await api.admin.get("/search", env_name=ENV, q="node-1", type="host")
    assert {o["id"] for o in hosts.body["objects"]} == {"node-1", "node-10"}
    none = await api.admin.get("/search", env_name=ENV, q=".*")
    assert none.body["objects"] == []
    assert (await api.admin.get("/search", env_name=ENV)).body["error"]["field"] == "q"
    assert (await api.admin.get("/search", env_name="Nowhere", q="a")).status == 404


async def seed_links(api: Api, ids: dict[str, ObjectId]) -> list[ObjectId]:
    links = [
        {"environment": ENV, "source": ids["vm-a"], "target": ids["node-1-tap1"],
         "source_id": "vm-a", "target_id": "node-1-tap1", "link_type": "instance-vnic",
         "link_name": "net-1", "state": "up", "host": "node-1", "implicit": False,
         "attributes": {"network": "net-1-id"}},
        {"environment": ENV, "source": ids["node-1-tap1"], "target": ids["node-1-br"],
         "source_id": "node-1-tap1", "target_id": "node-1-br", "link_type": "vnic-vconnector",
         "link_name": "fa:16:3e:00:00:01", "state": "down", "host": "node-1",
         "implicit": False, "attributes": {"network": "net-2-id"}},
    ]
    result = await api.db.links.insert_many(links)
    return list(result.inserted_ids)


async def test_links_filters(api: Api) -> None:
    await api.add_env()
    ids = await seed_tree(api)
    link_ids = await seed_links(api, ids)
    a = api.admin
    listed = await a.get("/links", env_name=ENV)
    assert listed.body["total"] == 2
    assert set(listed.body["links"][0]) <= {"id", "link_name", "link_type", "environment",
                                            "host", "state", "source_id", "target_id",
                                            "source_name", "target_name"}
    assert (await a.get("/links", env_name=ENV, link_type="instance-vnic")).body["total"] == 1
    assert (await a.get("/links", env_name=ENV, state="down")).body["total"] == 1
    assert (await a.get("/links", env_name=ENV, source_id="vm-a")).body["total"] == 1
    assert (await a.get("/links", env_name=ENV, host="node-1")).body["total"] == 2
    by_attr = await a.call("GET", "/links", params={"env_name": ENV,
                                                    "attributes:network": "net-2-id"})
    assert [x["link_type"] for x in by_attr.body["links"]] == ["vnic-vconnector"]
    single = await a.get("/links", env_name=ENV, id=str(link_ids[0]))
    assert single.body["source"] == str(ids["vm-a"]) and single.body["_id"] == str(link_ids[0])
    assert (await a.get("/links", env_name=ENV, id="0" * 24)).status == 404
    for params, field in (({"env_name": ENV, "link_type": "nope"}, "link_type"),
                          ({"env_name": ENV, "state": "sideways"}, "state"),
                          ({"env_name": ENV, "id": "123"}, "id"),
                          ({"env_name": ENV, "attributes:a": ["1", "2"]}, "attributes:a"),
                          ({"env_name": ENV, "attribute:network": "x"}, "attribute:network")):
        query = [(k, v) for k, vs in params.items()
                 for v in (vs if isinstance(vs, list) else [vs])]
        answer = await a.call("GET", "/links", params=query)
        assert answer.status == 400 and answer.body["error"]["field"] == field, params


async def seed_clique(api: Api) -> tuple[dict[str, ObjectId], list[ObjectId], ObjectId]:
    ids = await seed_tree(api)
    link_ids = await seed_links(api, ids)
    links = await api.db.links.find({"_id": {"$in": link_ids}}).to_list()
    result = await api.db.cliques.insert_one({
        "environment": ENV, "focal_point": ids["vm-a"], "focal_point_type": "instance",
        "links": link_ids, "links_detailed": links, "constraints": {"network": ["net-1-id"]},
        "clique_type": ObjectId()})
    return ids, link_ids, result.inserted_id


async def test_cliques_and_constraints(api: Api) -> None:
    await api.add_env()
    ids, link_ids, clique_id = await seed_clique(api)
    a = api.admin
    listed = await a.get("/cliques", env_name=ENV)
    assert listed.body["cliques"] == [{"id": str(clique_id), "focal_point_type": "instance",
                                       "environment": ENV}]
    for params in ({"focal_point": str(ids["vm-a"])}, {"focal_point_type": "instance"},
                   {"link_type": "vnic-vconnector"}, {"link_id": str(link_ids[1])}):
        assert (await a.get("/cliques", env_name=ENV, **params)).body["total"] == 1, params
    assert (await a.get("/cliques", env_name=ENV, focal_point_type="vnic")).body["total"] == 0
    single = await a.get("/cliques", env_name=ENV, id=str(clique_id))
    assert single.body["links"] == [str(i) for i in link_ids]
    assert (await a.get("/cliques", env_name=ENV, id="f" * 24)).status == 404
    assert (await a.get("/cliques", env_name=ENV, focal_point="zz")).body["total"] == 0
    assert (await a.get("/cliques", env_name=ENV, link_type="a-b")).status == 400

    constraints = await a.get("/clique_constraints")
    assert constraints.body["total"] == 3
    assert set(constraints.body["clique_constraints"][0]) == {"id"}
    one = await a.get("/clique_constraints", focal_point_type="instance", constraint="network")
    assert one.body["total"] == 1
    full = await a.get("/clique_constraints", id=one.body["clique_constraints"][0]["id"])
    assert full.body["constraints"] == ["network"]
    assert (await a.get("/clique_constraints", constraint="colour")).status == 400
    assert (await a.get("/clique_constraints", id="a" * 24)).status == 404


async def test_graph_of_a_clique(api: Api) -> None:
    await api.add_env()
    ids, link_ids, _ = await seed_clique(api)
    a = api.admin
    for ref in ("vm-a", str(ids["vm-a"])):
        graph = await a.get("/graph", env_name=ENV, focal_point=ref)
        assert graph.status == 200
        body = graph.body
        assert body["focal_point"] == str(ids["vm-a"])
        assert {n["object_id"] for n in body["nodes"]} == {"vm-a", "node-1-tap1", "node-1-br"}
        assert [n["object_id"] for n in body["nodes"] if n["focal"]] == ["vm-a"]
        node_ids = {n["id"] for n in body["nodes"]}
        assert {e["id"] for e in body["edges"]} == {str(i) for i in link_ids}
        assert all(e["source"] in node_ids and e["target"] in node_ids for e in body["edges"])
    alone = await a.get("/graph", focal_point=str(ids["vm-a"]))
    assert alone.status == 200 and alone.body["environment"] == ENV
    assert (await a.get("/graph", focal_point="vm-a")).body["environment"] == ENV
    await api.db.inventory.insert_one({"environment": "Other", "id": "vm-a"})
    twice = await a.get("/graph", focal_point="vm-a")
    assert twice.status == 400 and twice.body["error"]["field"] == "env_name"
    no_clique = await a.get("/graph", env_name=ENV, focal_point="node-10")
    assert no_clique.status == 404
    assert (await a.get("/graph", env_name=ENV, focal_point="ghost")).status == 404
    assert (await a.get("/graph", env_name="Nowhere", focal_point="vm-a")).status == 404
    assert (await a.get("/graph", env_name=ENV)).body["error"]["field"] == "focal_point"
    assert (await a.get("/graph", focal_point="ghost")).status == 404


async def test_values_json_lacks_are_null(api: Api) -> None:
    await api.add_env()
    await api.db.inventory.insert_one({"environment": ENV, "id": "odd", "type": "host",
                                       "speed": float("nan"), "load": [float("inf"), 1.5],
                                       "raw": b"\x01\x02"})
    answer = await api.admin.get("/inventory", env_name=ENV, id="odd")
    assert answer.status == 200
    assert answer.body["speed"] is None and answer.body["load"] == [None, 1.5]
    assert answer.body["raw"] == "0102"
