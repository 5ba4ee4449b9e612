"""One SSH pool per environment, shared by everything that runs against it at once."""

from __future__ import annotations

import asyncio

import pytest
from cli_harness import environment, sim_with_ssh
from pymongo.asynchronous.database import AsyncDatabase

from calipso.settings import load_settings
from calipso.sim import spec_from_flags
from calipso.sources import SshPools

pytestmark = pytest.mark.timeout(60)
SPEC = spec_from_flags(hosts=2, instances=2, networks=1, driver="ovs", seed=41)


async def test_concurrent_users_share_one_pool_closed_by_the_last(db: AsyncDatabase) -> None:
    pools = SshPools(load_settings(), db)
    async with sim_with_ssh(SPEC) as (sim, channel):
        env = environment(sim, channel)
        host = list(sim.cloud.hosts)[-1]  # not the master: one connection of its own
        async with pools.borrow(env) as scan_pool, pools.borrow(env) as event_pool:
            assert scan_pool is event_pool
            assert (await scan_pool.run(host, "hostname")).strip()
            conn = scan_pool._conns[host]
        # the last user gone, the pool is closed: a new user gets a new one
        assert conn.is_closed()
        async with pools.borrow(env) as again:
            assert again is not scan_pool


async def test_a_host_released_by_one_user_stays_open_for_a_running_command(
        db: AsyncDatabase) -> None:
    pools = SshPools(load_settings(), db)
    async with sim_with_ssh(SPEC) as (sim, channel):
        env = environment(sim, channel)
        host = list(sim.cloud.hosts)[-1]  # not the master: one connection of its own
        channel.set_slow_host(host, 500)
        async with pools.borrow(env) as pool:
            running = asyncio.create_task(pool.run(host, "hostname"))
            await asyncio.sleep(0.2)  # the command is on its way
            await pool.release(host)  # another user is done with the host
            assert (await running).strip(), "the running command must finish"
            assert host not in pool._conns, "closed once idle"
