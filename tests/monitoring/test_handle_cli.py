"""``calipso monitoring handle``: a Sensu pipe handler's event on stdin becomes a status."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import topology as t

from calipso.monitoring.check_names import object_check_name

CALIPSO = str(Path(sys.executable).parent / "calipso")


async def _handle(settings_env: dict[str, str], stdin: bytes, *args: str
                  ) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALIPSO_")} | settings_env
    proc = await asyncio.create_subprocess_exec(
        CALIPSO, "monitoring", "handle", *args, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(stdin), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_a_classic_event_on_stdin_sets_the_status(settings_env, db) -> None:
    await t.load(db)
    event = {"id": "ev-1", "client": {"name": t.HOST, "environment": t.ENV},
             "check": {"name": object_check_name("host_pnic", t.PNIC), "status": 2,
                       "output": "eth2 state DOWN", "executed": 1.8e9, "history": ["0", "2"]},
             "occurrences": 1, "action": "create"}
    code, out, err = await _handle(settings_env, json.dumps(event).encode())
    assert code == 0, err
    assert json.loads(out.splitlines()[-1])["changed"] == 1
    pnic = await db.inventory.find_one({"id": t.PNIC})
    assert (pnic["status"], pnic["status_text"]) == ("Error", "eth2 state DOWN")
    assert await db.messages.count_documents({"id": "ev-1", "level": "error"}) == 1


async def test_bad_input_on_stdin_exits_2_and_is_recorded(settings_env, db) -> None:
    await t.load(db)
    code, _, err = await _handle(settings_env, b'{"check": {"status": 0}}', "--env", t.ENV)
    assert code == 2 and "check.name" in err
    code, _, err = await _handle(settings_env, json.dumps(
        t.go_event(object_check_name("vedge", t.VEDGE), 0)).encode())
    assert code == 2 and "--env" in err
    assert await db.messages.count_documents(
        {"message": {"$regex": "^check result rejected"}}) == 2
