"""`calipso scan`: one scan in the foreground, its summary and its exit status."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from calipso.embedded_db import EmbeddedServer
from calipso.seed import load_seed
from calipso.sim import spec_from_flags
from calipso.sim.server import SimCloud

pytestmark = pytest.mark.timeout(180)


async def run_cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        Path(sys.executable).parent / "calipso", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


@pytest.fixture
def cli_env(mongo_uri: str, db_name: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALIPSO_")}
    env.update(CALIPSO_MONGO_URI=mongo_uri, CALIPSO_DB_NAME=db_name,
               CALIPSO_DATA_DIR=str(tmp_path / "data"))
    return env


async def test_scan_from_an_env_file_prints_a_summary(
        cli_env: dict[str, str], mongo_client: AsyncMongoClient, db_name: str,
        tmp_path: Path) -> None:
    spec = spec_from_flags(hosts=3, instances=4, networks=1, driver="lxb", seed=4)
    async with SimCloud(spec, env_name="cli") as sim:
        env_file = tmp_path / "env.json"
        env_file.write_text(json.dumps(sim.env_config()))
        code, out, err = await run_cli(cli_env, "scan", "--env-file", str(env_file))
        assert code == 0, err
        assert "Scan of cli: completed" in out
        assert any(line.split() == ["instance", "4"] for line in out.splitlines())
        # the environment is registered: a second scan by name works and changes nothing
        code, out, _ = await run_cli(cli_env, "scan", "cli")
        assert code == 0 and "removed 0" in out
    db = mongo_client[db_name]
    assert (await db.environments_config.find_one({"name": "cli"}))["scanned"] is True
    statuses = [s["status"] async for s in db.scans.find({"environment": "cli"})]
    assert statuses == ["completed", "completed"]


async def test_an_env_file_with_an_unknown_distribution_is_scanned_with_a_warning(
        cli_env: dict[str, str], mongo_client: AsyncMongoClient, db_name: str,
        tmp_path: Path) -> None:
    """Issue 9 item 6: the CLI validates as the API does, and says which clique types."""
    db = mongo_client[db_name]
    await load_seed(db)
    spec = spec_from_flags(hosts=3, instances=4, networks=2, driver="ovs", seed=4,
                           firewall="noop")
    async with SimCloud(spec, env_name="stein") as sim:
        doc = {**sim.env_config(), "distribution": "Stein"}
        doc.pop("distribution_version")
        env_file = tmp_path / "env.json"
        env_file.write_text(json.dumps(doc))
        code, _, err = await run_cli(cli_env, "scan", "--env-file", str(env_file))
        instances = [i.uuid for i in sim.cloud.instances.values()]
    assert code == 0, err
    assert ("warning: distribution 'Stein' is unknown: clique types chosen by mechanism "
            "driver OVS and type driver vxlan (instance: ovs_vxlan_instance") in err
    cliques = {c["focal_point_id"]: c async for c in db.cliques.find({"environment": "stein"})}
    assert set(instances) <= set(cliques)
    for uuid in instances:  # each instance's clique reaches past its vNIC to its network
        assert any(node in cliques[uuid]["nodes"] for node in
                   [n.id for n in sim.cloud.networks.values()])


async def test_partial_scan_exits_3_and_lists_the_errors(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    spec = spec_from_flags(hosts=3, instances=4, networks=1, driver="ovs", seed=4)
    async with SimCloud(spec, env_name="cli-partial") as sim:
        sim.ssh.fail_command("ethtool", exit_status=75, stderr="ethtool: broken")
        env_file = tmp_path / "env.json"
        env_file.write_text(json.dumps(sim.env_config()))
        code, out, _ = await run_cli(cli_env, "scan", "--env-file", str(env_file))
    assert code == 3
    assert "completed_with_errors" in out
    assert "ethtool" in out and "exit status 75" in out


async def test_summary_lists_folders_apart_and_a_dead_host_once(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    spec = spec_from_flags(hosts=4, instances=6, networks=1, driver="ovs", seed=4)
    async with SimCloud(spec, env_name="cli-dead", dead_hosts=1) as sim:
        [dead] = sim.ssh.dead_hosts
        env_file = tmp_path / "env.json"
        env_file.write_text(json.dumps(sim.env_config()))
        code, out, _ = await run_cli(cli_env, "scan", "--env-file", str(env_file))
    assert code == 3
    objects, _, rest = out.partition("\nfolders (tree groupings)\n")
    folders, _, errors = rest.partition("\nlinks ")
    assert "_folder" not in objects and any(
        line.split() == ["instance", "6"] for line in objects.splitlines())
    assert any(line.startswith("instances_folder ") for line in folders.splitlines())
    about_dead = [line for line in errors.splitlines() if dead in line]
    assert about_dead[0] == f"hosts that could not be read: {dead}"
    [grouped] = about_dead[1:]
    assert re.fullmatch(rf"  ssh {re.escape(dead)}: cannot connect: .* \((\d+) commands\)",
                        grouped), grouped


async def test_bad_env_file_is_one_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    env_file = tmp_path / "env.json"
    env_file.write_text(json.dumps({"name": "x", "distribution": "Devstack"}))
    code, _, err = await run_cli(cli_env, "scan", "--env-file", str(env_file))
    assert code == 2
    assert err.strip().count("\n") == 0
    assert err.startswith(f"calipso: --env-file {env_file}:")
    code, _, err = await run_cli(cli_env, "scan", "no-such-env")
    assert code == 2 and "no environment 'no-such-env' (configured: none yet)" in err


async def test_database_gone_mid_scan_is_one_line_and_exit_1(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """The database stopping under a running scan is said in one line, not a traceback."""
    server = EmbeddedServer(tmp_path / "secantus")
    await server.start()
    try:
        env = {**cli_env, "CALIPSO_MONGO_URI": server.uri, "CALIPSO_DB_NAME": "gone"}
        spec = spec_from_flags(hosts=6, instances=8, networks=2, driver="ovs", seed=4)
        async with SimCloud(spec, env_name="gone", ssh_latency_ms=150) as sim:
            env_file = tmp_path / "env.json"
            env_file.write_text(json.dumps(sim.env_config()))
            scan = asyncio.create_task(run_cli(env, "scan", "--env-file", str(env_file)))
            client: AsyncMongoClient = AsyncMongoClient(server.uri)
            try:
                for _ in range(300):  # until the scan runs
                    if await client.gone.scans.find_one({"status": "running"}):
                        break
                    await asyncio.sleep(0.1)
                else:
                    pytest.fail("the scan never started")
            finally:
                await client.close()
            await server.stop()
            code, _, err = await scan
    finally:
        await server.stop()
    assert code == 1
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("calipso: the database stopped answering")
