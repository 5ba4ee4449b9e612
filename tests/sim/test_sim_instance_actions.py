"""Renaming, stopping and starting a server through the simulated Nova API: the API answers,
the truth and the notifications follow, legacy and versioned."""

from __future__ import annotations

import uuid

import aiohttp
import pytest
from test_sim_amqp import URI, consumer
from test_sim_api import ApiClient

from calipso.sim.server import SimCloud
from calipso.sim.spec import spec_from_flags


async def test_rename_stop_and_start_a_server() -> None:
    tag = uuid.uuid4().hex[:8]
    names = {"nova_exchange": f"t-nova-{tag}", "neutron_exchange": f"t-neutron-{tag}"}
    spec = spec_from_flags(hosts=2, instances=1, networks=1, seed=7)
    async with consumer(list(names.values())) as cons, SimCloud(
            spec, env_name="actions", ssh=False, amqp_uri=URI, amqp_options={
                **names, "delete_exchanges": True, "versioned": True}) as sim, \
            aiohttp.ClientSession() as http:
        api = await ApiClient(sim, http).login()
        inst = next(iter(sim.cloud.instances.values()))
        status, data = await api.call("PUT", "nova", f"/servers/{inst.uuid}",
                                      {"server": {"name": "renamed"}})
        assert status == 200 and data["server"]["id"] == inst.uuid
        assert (await api.call("POST", "nova", f"/servers/{inst.uuid}/action",
                               {"os-stop": None}))[0] == 202
        server = (await api.get("nova", f"/servers/{inst.uuid}"))["server"]
        assert (server["name"], server["status"]) == ("renamed", "SHUTOFF")
        assert (await api.call("POST", "nova", f"/servers/{inst.uuid}/action",
                               {"os-stop": None}))[0] == 409
        assert (await api.call("POST", "nova", f"/servers/{inst.uuid}/action",
                               {"reboot": {}}))[0] == 400
        assert (await api.call("POST", "nova", f"/servers/{inst.uuid}/action",
                               {"os-start": None}))[0] == 202
        assert any(o["id"] == inst.uuid and o["name"] == "renamed"
                   for o in sim.truth()["objects"])
        assert sim.amqp is not None
        await sim.amqp.flushed()
        got = await cons.drain()
    assert [r.event_type for r in got] == [
        "compute.instance.update", "instance.update",
        "compute.instance.update", "compute.instance.power_off.start",
        "instance.power_off.start", "compute.instance.update",
        "compute.instance.power_off.end", "instance.power_off.end",
        "compute.instance.update", "compute.instance.power_on.start",
        "instance.power_on.start", "compute.instance.update",
        "compute.instance.power_on.end", "instance.power_on.end"]
    rename = got[0].message["payload"]
    assert (rename["instance_id"], rename["display_name"]) == (inst.uuid, "renamed")


@pytest.mark.parametrize("body", [{"server": {"name": ""}}, {"server": {}}, {"name": "x"}])
async def test_a_bad_rename_is_400(body: dict[str, object]) -> None:
    spec = spec_from_flags(hosts=2, instances=1, networks=1, seed=7)
    async with SimCloud(spec, env_name="badname", ssh=False) as sim, \
            aiohttp.ClientSession() as http:
        api = await ApiClient(sim, http).login()
        inst = next(iter(sim.cloud.instances.values()))
        assert (await api.call("PUT", "nova", f"/servers/{inst.uuid}", body))[0] == 400
        assert sim.cloud.instances[inst.uuid].name == inst.name
