"""Seed data and its loader, against a real SecantusDB (one fresh database per test)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from calipso.errors import MetadataError
from calipso.seed import SEED_COLLECTIONS, database_is_empty, default_seed_dir, load_seed

SHIPPED = default_seed_dir()


def shipped(collection: str) -> list[dict[str, Any]]:
    return json.loads((SHIPPED / f"{collection}.json").read_text(encoding="utf-8"))


async def constant(db: AsyncDatabase, name: str) -> dict[Any, str]:
    doc = await db.constants.find_one({"name": name})
    assert doc is not None, f"constant {name} missing"
    return {item["value"]: item["label"] for item in doc["data"]}


def test_shipped_seed_dir_is_package_data() -> None:
    assert SHIPPED == Path(__file__).resolve().parent.parent / "calipso" / "config" / "seed"
    assert {p.stem for p in SHIPPED.glob("*.json")} == set(SEED_COLLECTIONS)
    assert (SHIPPED / "README.md").is_file()


async def test_load_into_empty_database(db: AsyncDatabase) -> None:
    assert await database_is_empty(db)

    report = await load_seed(db)

    assert not await database_is_empty(db)
    for name in SEED_COLLECTIONS:
        expected = len(shipped(name))
        assert expected > 0
        assert await db[name].count_documents({}) == expected, name
        assert report.counts(name).inserted == expected
    assert (report.kept, report.replaced) == (0, 0)

    statuses = await constant(db, "scans_statuses")
    assert list(statuses) == ["draft", "pending", "running", "completed",
                              "completed_with_errors", "failed", "aborted"]
    assert await constant(db, "monitoring_check_statuses") == {
        0: "OK", 1: "Warning", 2: "Critical"}
    assert set(await constant(db, "scan_freq")) == {
        "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
    assert {"OVS", "LXB", "VPP", "OVN"} <= set(await constant(db, "mechanism_drivers"))
    assert {"Devstack", "Kolla"} <= set(await constant(db, "distributions"))
    assert "2026.2" in await constant(db, "distribution_versions")


async def test_link_type_names_are_well_formed(db: AsyncDatabase) -> None:
    await load_seed(db)
    endpoints = set(await constant(db, "object_types_for_links"))
    names = set(await constant(db, "link_types"))

    assert "switch_pnic-switch_pnic" in names
    assert "switch_pnic-switch-pnic" not in names
    for name in names:
        source, target = name.split("-")
        assert {source, target} <= endpoints, name
    documented = {d["link_type"]: d async for d in db.link_types.find({}, {"_id": 0})}
    assert set(documented) == names
    for name, doc in documented.items():
        assert f'{doc["endPointA"]}-{doc["endPointB"]}' == name
    async for clique_type in db.clique_types.find():
        assert set(clique_type["link_types"]) <= names, clique_type["name"]


@pytest.mark.parametrize("mechanism_driver", ["OVS", "LXB", "VPP"])
@pytest.mark.parametrize("type_driver", ["vxlan", "vlan"])
async def test_simulated_clouds_are_supported(db: AsyncDatabase, mechanism_driver: str,
                                              type_driver: str) -> None:
    """The simulator's clouds are Devstack 2026.2; every driver pair it builds validates."""
    await load_seed(db)
    supported = await db.supported_environments.find_one({
        "environment.distribution": "Devstack",
        "environment.distribution_version": "2026.2",
        "environment.mechanism_drivers": mechanism_driver,
        "environment.type_drivers": type_driver,
    })
    assert supported is not None
    assert supported["features"] == {"listening": True, "scanning": True, "monitoring": True}

    focal_types = set()
    async for clique_type in db.clique_types.find(
            {"mechanism_drivers": mechanism_driver, "type_drivers": type_driver,
             "distribution": {"$in": ["Devstack", None]}}):
        assert "environment" not in clique_type
        focal_types.add(clique_type["focal_point_type"])
    assert focal_types == {"instance", "vservice", "network"}


async def test_second_load_inserts_nothing_and_keeps_a_user_edit(db: AsyncDatabase) -> None:
    first = await load_seed(db)
    await db.constants.update_one({"name": "env_types"},
                                  {"$set": {"data": [{"label": "Lab", "value": "lab"}]}})
    await db.link_types.delete_one({"link_type": "otep-host_pnic"})

    second = await load_seed(db)

    assert second.inserted == 1
    assert second.counts("link_types").inserted == 1
    assert second.kept == first.inserted - 1
    assert second.replaced == 0
    assert await constant(db, "env_types") == {"lab": "Lab"}
    assert await db.link_types.count_documents({"link_type": "otep-host_pnic"}) == 1
    for name in SEED_COLLECTIONS:
        assert await db[name].count_documents({}) == len(shipped(name)), name


async def test_force_restores_the_shipped_documents(db: AsyncDatabase) -> None:
    await load_seed(db)
    await db.constants.update_one({"name": "env_types"}, {"$set": {"data": []}})
    await db.clique_types.update_one({"environment": "ANY", "name": "instance"},
                                     {"$set": {"link_types": ["instance-vnic"]}})
    user_type = {"environment": "lab-1", "focal_point_type": "instance", "name": "instance",
                 "link_types": ["instance-vnic"]}
    await db.clique_types.insert_one(dict(user_type))

    report = await load_seed(db, force=True)

    assert report.force
    assert report.counts("constants").replaced == 1
    assert report.counts("clique_types").replaced == 1
    assert report.replaced == 2
    assert report.inserted == 0
    original = next(d for d in shipped("constants") if d["name"] == "env_types")
    assert await db.constants.find_one({"name": "env_types"}, {"_id": 0}) == original
    any_instance = await db.clique_types.find_one({"environment": "ANY", "name": "instance"})
    assert any_instance is not None
    assert any_instance["link_types"][-1] == "host_pnic-network"
    # a document that is not seed data (another environment's clique type) is left alone
    assert await db.clique_types.find_one({"environment": "lab-1"}, {"_id": 0}) == user_type

    again = await load_seed(db, force=True)
    assert (again.inserted, again.replaced) == (0, 0)


async def test_report_summarises_per_collection(db: AsyncDatabase) -> None:
    report = await load_seed(db)
    text = str(report)
    lines = text.splitlines()
    assert f"{report.inserted} inserted, 0 kept, 0 replaced" in lines[0]
    assert len(lines) == 1 + len(SEED_COLLECTIONS)
    constants_line = next(line for line in lines[1:] if line.split()[0] == "constants")
    assert f"{len(shipped('constants'))} inserted" in constants_line


async def test_config_dir_points_at_another_seed(db: AsyncDatabase, tmp_path: Path) -> None:
    shutil.copytree(SHIPPED, tmp_path / "config" / "seed")
    roles_file = tmp_path / "config" / "seed" / "roles.json"
    roles_file.write_text(json.dumps([{"name": "auditor"}]), encoding="utf-8")

    report = await load_seed(db, config_dir=tmp_path / "config")

    assert report.seed_dir == tmp_path / "config" / "seed"
    assert [d["name"] async for d in db.roles.find()] == ["auditor"]


def _bad_json(seed: Path) -> None:
    (seed / "constants.json").write_text('[{"name": "env_types", "data": []},\n', "utf-8")


def _not_a_list(seed: Path) -> None:
    (seed / "roles.json").write_text('{"name": "view-env"}', "utf-8")


def _missing_key(seed: Path) -> None:
    docs = shipped("clique_types")
    del docs[2]["focal_point_type"]
    (seed / "clique_types.json").write_text(json.dumps(docs), "utf-8")


def _missing_nested_key(seed: Path) -> None:
    docs = shipped("supported_environments")
    del docs[4]["environment"]["type_drivers"]
    (seed / "supported_environments.json").write_text(json.dumps(docs), "utf-8")


def _duplicate_key(seed: Path) -> None:
    docs = shipped("link_types")
    docs.append(dict(docs[0]))
    (seed / "link_types.json").write_text(json.dumps(docs), "utf-8")


def _unknown_link_type(seed: Path) -> None:
    docs = shipped("clique_types")
    docs[0]["link_types"][1] = "switch_pnic-switch-pnic"
    (seed / "clique_types.json").write_text(json.dumps(docs), "utf-8")


def _dotted_field(seed: Path) -> None:
    docs = shipped("monitoring_config_templates")
    docs[1]["config"]["transport.name"] = "rabbitmq"
    (seed / "monitoring_config_templates.json").write_text(json.dumps(docs), "utf-8")


def _missing_file(seed: Path) -> None:
    (seed / "network_agent_types.json").unlink()


@pytest.mark.parametrize(("breaks", "expected"), [
    (_bad_json, ["constants.json: line 2"]),
    (_not_a_list, ["roles.json: expected a JSON list"]),
    (_missing_key, ["clique_types.json: [2].focal_point_type: missing key field"]),
    (_missing_nested_key,
     ["supported_environments.json: [4].environment.type_drivers: missing key field"]),
    (_duplicate_key, [f"link_types.json: [{len(shipped('link_types'))}]: duplicate key "
                      "(link_type='instance-vnic') of [0]"]),
    (_unknown_link_type,
     ["clique_types.json: [0].link_types[1]: unknown link type 'switch_pnic-switch-pnic'"]),
    (_dotted_field, ["monitoring_config_templates.json: [1].config.transport.name: field names"
                      " must not start with '$' or contain '.'"]),
    (_missing_file, ["network_agent_types.json: cannot read: file is missing"]),
])
async def test_broken_seed_is_refused_before_writing(
    db: AsyncDatabase, tmp_path: Path, breaks: Callable[[Path], None], expected: list[str],
) -> None:
    seed = tmp_path / "seed"
    shutil.copytree(SHIPPED, seed)
    breaks(seed)

    with pytest.raises(MetadataError) as caught:
        await load_seed(db, seed)

    message = str(caught.value)
    for fragment in expected:
        assert fragment in message
    assert all(str(seed) in problem for problem in caught.value.problems)
    assert await database_is_empty(db)
