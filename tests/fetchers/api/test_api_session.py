"""The scan's API session: a listing asked for again in the same scan is read once."""

from __future__ import annotations

import asyncio

from calipso.env_config import EnvironmentConfig
from calipso.settings import load_settings
from calipso.sim import spec_from_flags
from calipso.sim.server import SimCloud
from calipso.sources.openstack_api import ApiSession


async def test_a_listing_is_read_once_per_session_and_shared() -> None:
    spec = spec_from_flags(hosts=3, instances=2, networks=1, driver="ovs", seed=8)
    async with SimCloud(spec, env_name="session", ssh=False) as sim:
        doc = sim.env_config()
        doc["configuration"].append({"name": "CLI", "host": "127.0.0.1", "user": "x",
                                     "pwd": "x"})
        env = EnvironmentConfig.model_validate(doc)
        async with ApiSession(env.openstack, load_settings()) as api:
            await api.token()
            before = sim.api.calls
            first, second, region = await asyncio.gather(
                api.get_all("network", "v2.0/agents", "agents"),
                api.get_all("network", "/v2.0/agents", "agents"),
                api.get_all("network", "v2.0/agents", "agents", region="RegionOne"))
            assert sim.api.calls - before == 1
            assert first is second is region
            assert {a["host"] for a in first} == set(sim.cloud.hosts)
            # another listing, or the same one with other parameters, is its own read
            await api.get_all("network", "v2.0/agents", "agents",
                              params={"agent_type": "DHCP agent"})
            assert sim.api.calls - before == 2
        async with ApiSession(env.openstack, load_settings()) as api:
            await api.get_all("network", "v2.0/agents", "agents")
            assert sim.api.calls - before == 4  # a new session (scan) reads again: token + list
