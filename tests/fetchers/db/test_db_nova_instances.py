"""``NovaInstances`` reads ``instance_info_caches`` from the simulator's MySQL: the same
``network_info`` as the truth, and the same as the API path rebuilds from Neutron."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from calipso.errors import DbError
from calipso.fetchers.api.network_info import NeutronView
from calipso.fetchers.db.nova_instances import NovaInstances, parse_network_info
from calipso.sim import spec_from_flags

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))
from fetch_harness import open_sim, scan_context


@pytest.mark.parametrize("driver", ["ovs", "lxb", "vpp"])
async def test_network_info_of_each_host(db: AsyncDatabase, driver: str) -> None:
    topology = spec_from_flags(hosts=4, instances=7, networks=3, driver=driver, seed=8,
                               ports_per_instance=2)
    async with open_sim(topology, mysql=True) as (sim, env), scan_context(env, db) as ctx:
        truth = [d for d in sim.truth()["objects"] if d["type"] == "instance"]
        nova = NovaInstances(ctx)
        found: dict[str, list] = {}
        for host in {d["host"] for d in truth}:
            found.update(await nova.network_info(host))
        assert await nova.network_info("no-such-host") == {}
        # the API path: Nova's network_info rebuilt from the Neutron listings
        api = ctx.api
        assert api is not None
        view = NeutronView.build(*[await api.get_all("network", f"v2.0/{k}", k)
                                   for k in ("networks", "subnets", "ports")])
    assert found == {d["id"]: d["network_info"] for d in truth}
    assert {uuid: view.network_info(uuid) for uuid in found} == found


async def test_deleted_instances_are_left_out(db: AsyncDatabase) -> None:
    topology = spec_from_flags(hosts=2, instances=3, networks=1, seed=2)
    async with open_sim(topology, mysql=True) as (sim, env), scan_context(env, db) as ctx:
        gone = next(iter(sim.cloud.instances.values()))
        sim.cloud.delete_instance(gone.uuid)
        await sim.mysql.synced()
        rows = await NovaInstances(ctx).network_info(gone.host)
    assert gone.uuid not in rows and len(rows) == 2  # one compute: all three were there


async def test_without_a_mysql_section_it_is_a_db_error(db: AsyncDatabase) -> None:
    topology = spec_from_flags(hosts=2, instances=1, seed=2)
    async with open_sim(topology) as (_, env), scan_context(env, db) as ctx:
        with pytest.raises(DbError, match="no mysql section"):
            await NovaInstances(ctx).network_info("node-2.cloud.local")


def test_network_info_column_forms() -> None:
    assert parse_network_info(None, "q") == []
    assert parse_network_info(b'[{"id": "p"}]', "q") == [{"id": "p"}]
    with pytest.raises(DbError, match="not JSON"):
        parse_network_info("[{", "q")
    with pytest.raises(DbError, match="not a list"):
        parse_network_info('{"id": 1}', "q")
