"""The queries a new user tries first: search by any identifying field in one or every
environment, a clique by its instance's uuid, a wrong ``type=``, links with their ends' names."""

from __future__ import annotations

from typing import Any

from api_client import ENV, Api
from bson import ObjectId

OTHER = "Other-Cloud"
VM_UUID = "6f1c2b4e-0c55-4a3a-9b61-2f3e4d5c6b7a"
PORT_UUID = "9a8b7c6d-1e2f-4a5b-8c9d-0e1f2a3b4c5d"


def obj(env: str, ident: str, type_: str, name: str, **more: Any) -> dict[str, Any]:
    return {"environment": env, "id": ident, "type": type_, "name": name,
            "object_name": name, "id_path": f"/{env}/{ident}", "name_path": f"/{env}/{name}",
            **more}


async def seed(api: Api) -> dict[str, ObjectId]:
    await api.add_env()
    await api.add_env(OTHER)
    docs = [
        obj(ENV, "node-2", "host", "node-2", ip_address="10.0.0.12", host="node-2"),
        obj(ENV, VM_UUID, "instance", "web-1", uuid=VM_UUID, host="node-2",
            ip_address="10.128.0.6", mac_address="fa:16:3e:5d:7b:01"),
        obj(ENV, "net-a", "network", "private",
            cidrs=["10.128.0.0/24"], **{"provider:segmentation_id": 1042}),
        obj(ENV, PORT_UUID, "port", PORT_UUID, mac_address="fa:16:3e:5d:7b:01",
            fixed_ips=[{"subnet_id": "s1", "ip_address": "10.128.0.6"}]),
        obj(ENV, "node-2-tap9a8b7c6d-1e", "vnic", "tap9a8b7c6d-1e", host="node-2",
            mac_address="fa:16:3e:5d:7b:01"),
        obj(OTHER, "node-7", "host", "node-7", ip_address="10.0.0.12", host="node-7"),
    ]
    result = await api.db.inventory.insert_many(docs)
    return {d["id"]: oid for d, oid in zip(docs, result.inserted_ids, strict=True)}


def hits(answer: Any) -> dict[tuple[str, str], tuple[str, Any]]:
    assert answer.status == 200, answer.body
    return {(o["environment"], o["id"]): (o["matched_field"], o["matched_value"])
            for o in answer.body["objects"]}


async def test_search_finds_ips_macs_cidrs_segments_and_hosts_in_every_environment(
        api: Api) -> None:
    await seed(api)
    a = api.admin
    # an address: the host in both environments, by the field that holds it
    assert hits(await a.get("/search", q="10.0.0.12")) == {
        (ENV, "node-2"): ("ip_address", "10.0.0.12"),
        (OTHER, "node-7"): ("ip_address", "10.0.0.12")}
    # the instance's own address, and the port that carries it in its fixed IPs
    assert hits(await a.get("/search", q="10.128.0.6", env_name=ENV)) == {
        (ENV, VM_UUID): ("ip_address", "10.128.0.6"),
        (ENV, PORT_UUID): ("fixed_ips.ip_address", "10.128.0.6")}
    # a MAC in capitals
    assert set(hits(await a.get("/search", q="FA:16:3E:5D:7B:01"))) == {
        (ENV, VM_UUID), (ENV, PORT_UUID), (ENV, "node-2-tap9a8b7c6d-1e")}
    assert hits(await a.get("/search", q="10.128.0.0/24")) == {
        (ENV, "net-a"): ("cidrs", "10.128.0.0/24")}
    assert hits(await a.get("/search", q="1042")) == {
        (ENV, "net-a"): ("provider:segmentation_id", 1042)}
    # an id, and a host name that is also a name
    assert hits(await a.get("/search", q=VM_UUID[:8])) == {
        (ENV, VM_UUID): ("id", VM_UUID)}
    by_host = hits(await a.get("/search", q="node-2", type="vnic"))
    assert by_host == {(ENV, "node-2-tap9a8b7c6d-1e"): ("id", "node-2-tap9a8b7c6d-1e")}
    assert hits(await a.get("/search", q="WEB")) == {(ENV, VM_UUID): ("name", "web-1")}
    assert hits(await a.get("/search", q="10.0.0.12", env_name=OTHER)) == {
        (OTHER, "node-7"): ("ip_address", "10.0.0.12")}


async def test_an_unknown_type_is_400_naming_the_valid_types(api: Api) -> None:
    await seed(api)
    for path, params in (("/inventory", {"env_name": ENV}), ("/search", {"q": "node"})):
        answer = await api.admin.get(path, type="instanse", **params)
        assert answer.status == 400, path
        error = answer.body["error"]
        assert error["field"] == "type"
        for valid in ("instance", "host", "vnic", "instances_folder", "host_ref"):
            assert valid in error["message"], (path, error["message"])
    folders = await api.admin.get("/inventory", env_name=ENV, type="instances_folder")
    assert folders.status == 200 and folders.body["objects"] == []
    doc = (await api.admin.get("/openapi.json")).body
    search_type = next(p for p in doc["paths"]["/search"]["get"]["parameters"]
                       if p["name"] == "type")
    assert "instance" in search_type["schema"]["enum"]


async def test_cliques_take_the_focal_points_id_or_its_object_id(api: Api) -> None:
    ids = await seed(api)
    clique = await api.db.cliques.insert_one({
        "environment": ENV, "focal_point": ids[VM_UUID], "focal_point_type": "instance",
        "links": [], "links_detailed": []})
    for ref in (VM_UUID, str(ids[VM_UUID])):
        answer = await api.admin.get("/cliques", env_name=ENV, focal_point=ref)
        assert answer.status == 200, answer.body
        assert [c["id"] for c in answer.body["cliques"]] == [str(clique.inserted_id)], ref
    other = await api.admin.get("/cliques", env_name=ENV, focal_point="node-2")
    assert other.status == 200 and other.body["cliques"] == []


async def test_links_carry_the_names_of_both_ends(api: Api) -> None:
    ids = await seed(api)
    vnic = "node-2-tap9a8b7c6d-1e"
    link = await api.db.links.insert_one({
        "environment": ENV, "link_type": "instance-vnic", "link_name": "private",
        "source": ids[VM_UUID], "source_id": VM_UUID, "target": ids[vnic],
        "target_id": vnic, "state": "up", "host": "node-2"})
    listed = await api.admin.get("/links", env_name=ENV)
    assert listed.body["links"] == [{
        "id": str(link.inserted_id), "link_name": "private", "link_type": "instance-vnic",
        "environment": ENV, "host": "node-2", "state": "up", "source_id": VM_UUID,
        "target_id": vnic, "source_name": "web-1", "target_name": "tap9a8b7c6d-1e"}]
    one = await api.admin.get("/links", env_name=ENV, id=str(link.inserted_id))
    assert (one.body["source_name"], one.body["target_name"]) == ("web-1", "tap9a8b7c6d-1e")
