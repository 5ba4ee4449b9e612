"""``calipso snapshot`` and ``calipso diff`` in a subprocess, against the test database."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from calipso.inventory import InventoryWriter

pytestmark = pytest.mark.timeout(120)
CALIPSO = str(Path(sys.executable).parent / "calipso")


async def calipso(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        CALIPSO, *args, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def write(db: AsyncDatabase, docs: list[dict]) -> None:
    writer = InventoryWriter(db, "cli-env", datetime.now(UTC))
    await writer.load_existing()
    await writer.add(docs)
    await writer.remove_unseen([])


def host(name: str, **fields: object) -> dict:
    return {"id": name, "type": "host", "name": name, "id_path": f"/cli-env/{name}", **fields}


async def test_diff_since_a_snapshot_prints_each_change(
        db: AsyncDatabase, settings_env: dict[str, str]) -> None:
    env = os.environ | settings_env
    await write(db, [host("node-1", ip_address="10.0.0.1"), host("node-2")])
    code, out, err = await calipso(env, "snapshot", "cli-env", "before maintenance")
    assert code == 0, err
    assert "snapshot 'before maintenance' of cli-env" in out
    await write(db, [host("node-1", ip_address="10.0.0.9"), host("node-3")])

    code, out, err = await calipso(env, "diff", "cli-env", "--since",
                                   "snapshot:before maintenance")
    assert code == 0, err
    lines = out.splitlines()
    assert "+ object host node-3 (node-3)" in lines
    assert "- object host node-2 (node-2)" in lines
    assert "~ object host node-1 (node-1)" in lines
    assert "    ip_address: '10.0.0.1' -> '10.0.0.9'" in lines
    assert lines[-1] == "1 added, 1 removed, 1 changed"

    code, out, err = await calipso(env, "diff", "cli-env", "--since", "2h", "--json")
    assert code == 0, err
    # node-2 came and went within the two hours: no change between the two moments
    assert json.loads(out)["counts"] == {"added": 2, "removed": 0, "changed": 0}

    code, out, err = await calipso(env, "diff", "cli-env", "--since", "last tuesday")
    assert code != 0 and "since: 'last tuesday' is no time" in err


async def test_an_export_imports_into_a_new_environment(
        db: AsyncDatabase, settings_env: dict[str, str], tmp_path: Path) -> None:
    env = os.environ | settings_env
    await write(db, [host("node-1", ip_address="10.0.0.1"), host("node-2")])
    code, out, err = await calipso(env, "export", "cli-env")
    assert code == 0, err
    exported = tmp_path / "cli-env.json"
    exported.write_text(out)
    code, out, err = await calipso(env, "import-graph", "cli-copy", str(exported))
    assert code == 0, err
    assert out.strip() == "imported 2 objects and 0 links into cli-copy"
    copy = await db.inventory.find_one({"environment": "cli-copy", "id": "node-1"})
    assert copy is not None and copy["ip_address"] == "10.0.0.1"
    code, out, err = await calipso(env, "import-graph", "cli-copy", str(exported))
    assert code != 0 and "holds objects already" in err
    exported.write_text("{not json")
    code, out, err = await calipso(env, "import-graph", "cli-other", str(exported))
    assert code != 0 and "cannot read" in err
    code, out, err = await calipso(env, "export", "cli-env", "--format", "dot")
    assert code == 0 and '"node-1" [label=' in out
