"""config/link_finders.json: the shipped file and the messages for broken copies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calipso.config_paths import SHIPPED_CONFIG
from calipso.errors import MetadataError
from calipso.links.find_links_for_vedges import FindLinksForVedges
from calipso.links.plan import load_link_plan

SHIPPED = json.loads((SHIPPED_CONFIG / "link_finders.json").read_text())


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "link_finders.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_shipped_plan_in_order() -> None:
    plan = load_link_plan(SHIPPED_CONFIG / "link_finders.json")
    assert plan.names == tuple(SHIPPED["link_finders"])
    assert plan.names[-1] == "FindImplicitLinks"
    assert FindLinksForVedges in plan.finders


def test_every_problem_named_with_file_and_field(tmp_path: Path) -> None:
    bad = dict(SHIPPED, link_finders=["FindLinksForVedgez", "FindLinksForOteps",
                                      "FindLinksForOteps", "LinkContext"])
    path = _write(tmp_path, bad)
    with pytest.raises(MetadataError) as err:
        load_link_plan(path)
    assert err.value.problems == [
        f"{path}: link_finders[0]: no FindLinksForVedgez in calipso.links",
        f"{path}: link_finders[2]: FindLinksForOteps is listed twice",
        f"{path}: link_finders[3]: no LinkContext in calipso.links",
    ]


def test_unknown_key_and_bad_base(tmp_path: Path) -> None:
    path = _write(tmp_path, dict(SHIPPED, finder_package="x"))
    with pytest.raises(MetadataError, match=r"link_finders.json: finder_package: Extra"):
        load_link_plan(path)
    path = _write(tmp_path, dict(SHIPPED, base_finder="FindLinkz"))
    with pytest.raises(MetadataError, match=r"base_finder: no FindLinkz in"):
        load_link_plan(path)


def test_bad_json_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MetadataError, match=r"link_finders.json: line 1"):
        load_link_plan(_write(tmp_path, "{"))
    with pytest.raises(MetadataError, match=r"cannot read"):
        load_link_plan(tmp_path / "absent.json")
