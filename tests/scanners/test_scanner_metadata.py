"""The metadata files: the shipped ones load; a broken copy is one clear line per problem."""

from __future__ import annotations

import json
import pkgutil
import re
from pathlib import Path

import pytest

import calipso.fetchers
import calipso.links
from calipso.config_paths import SHIPPED_CONFIG
from calipso.errors import MetadataError
from calipso.plugins import snake_case
from calipso.scanners.metadata import load_scanners, parse_scanners
from calipso.scanners.metadata_files import load_metadata

SCANNERS = SHIPPED_CONFIG / "scanners.json"


def shipped() -> dict:
    return json.loads(SCANNERS.read_text())


async def test_shipped_metadata_resolves_every_class() -> None:
    metadata = await load_metadata(None)
    tree = metadata.scanners
    assert "ScanEnvironment" in tree.scanners
    host_types = [entry.type for entry in tree.scanners["ScanHost"]]
    assert "instances_folder" in host_types and "vservice" in host_types
    # the original's bug: the vServices folder re-scanned instances
    vservices = next(e for e in tree.scanners["ScanHost"] if e.type == "vservices_folder")
    assert vservices.children_scanner is None
    assert metadata.link_plan


def test_every_fetcher_module_is_named_by_the_scanner_file() -> None:
    named = set(re.findall(r'"fetcher": "(\w+)"', SCANNERS.read_text()))
    modules = {
        name for pkg in ("api", "cli", "db")
        for _, name, is_pkg in pkgutil.iter_modules(
            [str(Path(calipso.fetchers.__file__).parent / pkg)])
        if not is_pkg and name.startswith(f"{pkg}_fetch_")
    }
    snake = {snake_case(cls) for cls in named}
    assert modules - snake == set(), "fetcher modules no scanner names"
    assert snake - modules == set(), "scanners name fetchers that do not exist"


def test_every_link_finder_module_is_named() -> None:
    plan = json.loads((SHIPPED_CONFIG / "link_finders.json").read_text())
    snake = {snake_case(c) for c in plan["link_finders"]}
    modules = {name for _, name, _ in pkgutil.iter_modules(calipso.links.__path__)
               if name.startswith("find_")}
    assert modules - snake == set()


def test_misspelled_fetcher_is_named_with_its_place() -> None:
    data = shipped()
    index = next(i for i, e in enumerate(data["scanners"]["ScanVconnectorsRoot"])
                 if e["fetcher"] == "CliFetchVconnectorsOvs")
    data["scanners"]["ScanVconnectorsRoot"][index]["fetcher"] = "CliFetchVconectorsOvs"
    with pytest.raises(MetadataError) as info:
        parse_scanners(data, "config/scanners.json")
    assert info.value.problems == [
        f"config/scanners.json: ScanVconnectorsRoot[{index}].fetcher: "
        "no CliFetchVconectorsOvs in calipso.fetchers.cli"
    ]


def test_all_problems_are_reported_at_once() -> None:
    data = shipped()
    data["scanners"]["ScanHost"][0]["children_scanner"] = "ScanNowhere"
    data["scanners"]["ScanRegionsRoot"][0]["environment_condition"] = {"colour": "blue"}
    data["scanners"]["ScanAggregate"][0]["fetcher"] = "SnmpFetchThings"
    with pytest.raises(MetadataError) as info:
        parse_scanners(data, "scanners.json")
    text = str(info.value)
    assert "ScanHost[0].children_scanner: no scanner ScanNowhere" in text
    assert "ScanRegionsRoot[0].environment_condition: unknown key colour" in text
    assert "ScanAggregate[0].fetcher: SnmpFetchThings does not start with a source" in text
    assert len(info.value.problems) == 3


def test_unknown_key_and_bad_json(tmp_path: Path) -> None:
    data = shipped()
    data["scanners"]["ScanRegion"][0]["fetch_type"] = "x"
    with pytest.raises(MetadataError, match=r"scanners\.ScanRegion\.0\.fetch_type"):
        parse_scanners(data, "scanners.json")
    broken = tmp_path / "scanners.json"
    broken.write_text('{"scanners": {\n  "ScanEnvironment": [,]\n}}')
    with pytest.raises(MetadataError, match=r"scanners\.json: line 2"):
        load_scanners(broken)
