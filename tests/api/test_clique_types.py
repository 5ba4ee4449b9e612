"""``/clique_types``: the original's rules for new types, and the update and delete it lacked."""

from __future__ import annotations

import json

import pytest
from api_client import ENV, Api
from shared_fixtures import shared_fixture

pytestmark = pytest.mark.timeout(120)



def sample_type() -> dict:
    return json.loads(
        shared_fixture("inventory/calipso_api/POST_clique_types.request.json").read_text())


async def test_create_list_read_replace_delete(api: Api) -> None:
    await api.add_env()
    a = api.admin
    created = await a.post("/clique_types", sample_type())
    assert created.status == 201
    assert created.body["message"] == "created a new clique_type"
    ident = created.body["id"]
    mine = await a.get("/clique_types", env_name=ENV)
    assert mine.body["total"] == 1
    item = mine.body["clique_types"][0]
    assert item["name"] == "instance_vconnector_clique" and item["id"] == ident
    assert item["link_types"] == ["instance-vnic", "vnic-vconnector"]
    for params in ({"focal_point_type": "instance"}, {"link_type": "vnic-vconnector"},
                   {"link_type": ["instance-vnic", "vnic-vconnector"]},
                   {"name": "instance_vconnector_clique"}):
        query = [("env_name", ENV)] + [(k, v) for k, vs in params.items()
                                       for v in (vs if isinstance(vs, list) else [vs])]
        assert (await a.call("GET", "/clique_types", params=query)).body["total"] == 1
    whole = await a.get("/clique_types", id=ident)
    assert whole.body["environment"] == ENV and whole.body["use_implicit_links"] is False

    changed = sample_type() | {"link_types": ["instance-vnic"], "use_implicit_links": True}
    assert (await a.put(f"/clique_types/{ident}", changed)).status == 200
    whole = await a.get("/clique_types", id=ident)
    assert whole.body["link_types"] == ["instance-vnic"] and whole.body["use_implicit_links"]
    assert (await a.delete(f"/clique_types/{ident}")).status == 200
    assert (await a.get("/clique_types", id=ident)).status == 404
    assert (await a.delete(f"/clique_types/{ident}")).status == 404
    assert (await a.put(f"/clique_types/{ident}", changed)).status == 404
    assert (await a.delete("/clique_types/not-an-id")).status == 400


async def test_configuration_types_and_their_duplicates(api: Api) -> None:
    a = api.admin
    body = {"focal_point_type": "vservice", "link_types": ["vservice-vnic"], "name": "vs",
            "distribution": "Mirantis", "distribution_version": "8.0"}
    assert (await a.post("/clique_types", body)).status == 201
    again = await a.post("/clique_types", body | {"name": "other"})
    assert again.status == 409 and again.body["error"]["field"] == "focal_point_type"
    by_mech = {"focal_point_type": "vservice", "link_types": ["vservice-vnic"], "name": "m",
               "mechanism_drivers": "VPP"}
    assert (await a.post("/clique_types", by_mech)).status == 201
    assert (await a.post("/clique_types", by_mech)).status == 409
    listed = await a.get("/clique_types", distribution="Mirantis", distribution_version="8.0")
    assert listed.body["total"] == 1


async def test_one_type_per_focal_point_type_per_environment(api: Api) -> None:
    await api.add_env()
    first = await api.admin.post("/clique_types", sample_type())
    second = await api.admin.post("/clique_types", sample_type() | {"name": "again"})
    assert second.status == 409
    # replacing a type with itself is no conflict
    ok = await api.admin.put(f"/clique_types/{first.body['id']}", sample_type())
    assert ok.status == 200


@pytest.mark.parametrize(("change", "field"), [
    ({"environment": None}, "environment"),
    ({"distribution": "Mirantis"}, "environment"),
    ({"environment": "ANY"}, "environment"),
    ({"focal_point_type": "planet"}, "focal_point_type"),
    ({"link_types": ["instance-vnic", "vnic-moon"]}, "link_types"),
    ({"link_types": []}, "link_types"),
    ({"link_types": "instance-vnic"}, "link_types"),
    ({"name": None}, "name"),
    ({"colour": "red"}, "colour"),
    ({"use_implicit_links": "often"}, "use_implicit_links"),
    ({"environment": None, "distribution_version": "8.0", "type_drivers": "vxlan"},
     "distribution_version"),
    ({"environment": None, "mechanism_drivers": "Quantum"}, "mechanism_drivers"),
])
async def test_invalid_clique_types_are_400(api: Api, change: dict, field: str) -> None:
    await api.add_env()
    body = {k: v for k, v in (sample_type() | change).items() if v is not None}
    answer = await api.admin.post("/clique_types", body)
    assert answer.status == 400, answer.body
    assert answer.body["error"]["field"].startswith(field)


async def test_an_unknown_environment_is_404(api: Api) -> None:
    answer = await api.admin.post("/clique_types", sample_type() | {"environment": "Nowhere"})
    assert answer.status == 404
    assert answer.body["error"]["field"] == "environment"


async def test_the_shipped_any_types_are_not_replaced_through_the_api(api: Api) -> None:
    shipped = await api.admin.get("/clique_types", env_name="ANY", focal_point_type="instance")
    ident = shipped.body["clique_types"][0]["id"]
    answer = await api.admin.put(f"/clique_types/{ident}", sample_type())
    assert answer.status == 409


async def test_clique_type_query_errors(api: Api) -> None:
    a = api.admin
    # a version alone filters by the version (no rule between query keys)
    assert (await a.get("/clique_types", distribution_version="8.0")).status == 200
    assert (await a.get("/clique_types", link_type="x-y")).body["error"]["field"] == "link_type"
    assert (await a.get("/clique_types", env_name="Nowhere")).status == 404
