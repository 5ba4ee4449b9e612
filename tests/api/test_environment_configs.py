"""``/environment_configs``: validation per the original, masked secrets, replace, delete."""

from __future__ import annotations

import pytest
from api_client import ENV, SECRETS, Api, env_config

pytestmark = pytest.mark.timeout(120)

MASK = "********"


def section(doc: dict, name: str) -> dict:
    return next(s for s in doc["configuration"] if s["name"] == name)


async def test_create_list_and_read_masked(api: Api) -> None:
    a = api.admin
    created = await a.post("/environment_configs", env_config())
    assert created.status == 201
    assert created.body["message"] == f"created environment_config for {ENV}"
    listed = await a.get("/environment_configs")
    assert listed.body["environment_configs"][0]["name"] == ENV
    assert listed.body["environment_configs"][0]["distribution"] == "Mirantis"
    whole = await a.get("/environment_configs", name=ENV)
    assert whole.status == 200
    assert section(whole.body, "OpenStack")["pwd"] == MASK
    assert section(whole.body, "OpenStack")["admin_token"] == MASK
    assert section(whole.body, "Monitoring")["rabbitmq_pass"] == MASK
    assert section(whole.body, "CLI")["user"] == "root"
    stored = await api.db.environments_config.find_one({"name": ENV})
    assert section(stored, "mysql")["pwd"] == SECRETS["mysql"]  # kept for discovery
    assert (await a.post("/environment_configs", env_config())).status == 409
    for params in ({"distribution": "Mirantis"}, {"mechanism_drivers": "OVS"},
                   {"type_drivers": "vxlan"}, {"listen": "true"}, {"scanned": "false"},
                   {"operational": "stopped"}, {"environment_type": "OpenStack"}):
        assert (await a.get("/environment_configs", **params)).body["total"] == 1, params
    assert (await a.get("/environment_configs", listen="false")).body["total"] == 0
    assert (await a.get("/environment_configs", name="Nowhere")).status == 404
    # any distribution may be stored (issue 10), so any may be asked for
    assert (await a.get("/environment_configs", distribution="Hal")).body["total"] == 0


async def test_the_originals_empty_values_are_accepted(api: Api) -> None:
    doc = env_config(last_scanned="", environment_type="")
    assert (await api.admin.post("/environment_configs", doc)).status == 201


def drop(name: str) -> dict:
    doc = env_config()
    doc["configuration"] = [s for s in doc["configuration"] if s["name"] != name]
    return doc


def with_section(which: str, **changes: object) -> dict:
    doc = env_config()
    for s in doc["configuration"]:
        if s["name"] == which:
            s.update(changes)
            for key in [k for k, v in changes.items() if v is None]:
                del s[key]
    return doc


@pytest.mark.parametrize(("doc", "field"), [
    (env_config(colour="red"), "colour"),
    (env_config(mechanism_drivers=["OVS", "Quantum"]), "mechanism_drivers.1"),
    (env_config(type_drivers="string"), "type_drivers"),
    (env_config(operational="sleeping"), "operational"),
    (env_config(mechanism_drivers=["SRIOV"]), "mechanism_drivers"),  # no such pair
    (env_config(listen="often"), "listen"),
    (env_config(name="bad name"), "name"),
    (env_config(distribution="Stratoscale", distribution_version="2.1.6",
                type_drivers="vlan", listen=False), "configuration"),  # no listening there
    (drop("CLI"), "configuration"),
    (drop("AMQP"), "listen"),  # listen: true needs it
    (with_section("mysql", port="three"), "configuration.1.mysql.port"),
    (with_section("mysql", pwd=None), "configuration.1.mysql.pwd"),
    (with_section("CLI", pwd=None), "configuration.2.CLI"),
    (with_section("CLI", key="relative/key"), "configuration.2.CLI.key"),
    (with_section("OpenStack", host="bad host!"), "configuration.0.OpenStack.host"),
    (with_section("Monitoring", provision="Always"), "configuration.4.Monitoring.provision"),
    (with_section("AMQP", name="Kafka"), "configuration.3"),
    (with_section("AMQP", pwd=MASK), "configuration.3.pwd"),
])
async def test_invalid_configs_are_400_naming_the_field(
    api: Api, doc: dict, field: str
) -> None:
    answer = await api.admin.post("/environment_configs", doc)
    assert answer.status == 400, answer.body
    assert answer.body["error"]["field"] == field, answer.body


@pytest.mark.parametrize(("changes", "why"), [
    ({"distribution": "Hal"}, "distribution 'Hal' is unknown"),
    ({"distribution_version": "Zed"},
     "distribution Mirantis Zed is not supported with these drivers"),
    ({"distribution": None, "distribution_version": None}, "no distribution given"),
])
async def test_a_distribution_that_chooses_nothing_is_accepted_with_a_warning(
        api: Api, changes: dict, why: str) -> None:
    """Issue 10 / issue 9 item 6: distribution optional, an unknown one never silent."""
    doc = {k: v for k, v in {**env_config(), **changes}.items() if v is not None}
    answer = await api.admin.post("/environment_configs", doc)
    assert answer.status == 201, answer.body
    assert answer.body["message"] == (
        f"created environment_config for {ENV}; warning: {why}: clique types chosen by "
        "mechanism driver OVS and type driver vxlan (instance: ovs_vxlan_instance, "
        "network: ovs_vxlan_network, switch_pnic: switch_pnic, "
        "vservice: ovs_vxlan_vservice)")


async def test_replace_keeps_a_secret_sent_back_masked(api: Api) -> None:
    await api.add_env()
    a = api.admin
    shown = (await a.get("/environment_configs", name=ENV)).body
    for key in ("_id", "id"):
        shown.pop(key)
    section(shown, "OpenStack")["host"] = "10.0.0.5"
    section(shown, "AMQP")["pwd"] = "a-new-amqp-password"
    shown["configuration"].reverse()  # matched by name, not position
    answer = await a.put(f"/environment_configs/{ENV}", shown)
    assert answer.status == 200, answer.body
    stored = await api.db.environments_config.find_one({"name": ENV})
    assert section(stored, "OpenStack")["host"] == "10.0.0.5"
    assert section(stored, "OpenStack")["pwd"] == SECRETS["openstack"]
    assert section(stored, "OpenStack")["admin_token"] == SECRETS["admin_token"]
    assert section(stored, "Monitoring")["rabbitmq_pass"] == SECRETS["rabbitmq"]
    assert section(stored, "AMQP")["pwd"] == "a-new-amqp-password"


async def test_replace_errors(api: Api) -> None:
    await api.add_env()
    await api.db.environments_config.update_one({"name": ENV}, {"$set": {"scanned": True}})
    a = api.admin
    renamed = await a.put(f"/environment_configs/{ENV}", env_config("Other"))
    assert renamed.status == 409 and renamed.body["error"]["field"] == "name"
    assert (await a.put("/environment_configs/Nowhere", env_config("Nowhere"))).status == 404
    doc = env_config()
    doc["configuration"].append({"name": "ACI", "host": "10.1.1.1", "user": "u", "pwd": MASK})
    no_stored = await a.put(f"/environment_configs/{ENV}", doc)
    assert no_stored.status == 400 and no_stored.body["error"]["field"] == \
        "configuration.5.pwd"
    odd = env_config(configuration=[{"name": {}, "host": "h"}])
    odd_answer = await a.put(f"/environment_configs/{ENV}", odd)  # was a server error
    assert odd_answer.status == 400
    assert odd_answer.body["error"]["field"].startswith("configuration.0")
    nameless = env_config()
    del nameless["name"], nameless["scanned"]
    assert (await a.put(f"/environment_configs/{ENV}", nameless)).status == 200
    doc = env_config()
    del doc["scanned"]
    assert (await a.put(f"/environment_configs/{ENV}", doc)).status == 200
    stored = await api.db.environments_config.find_one({"name": ENV})
    assert stored["scanned"] is True  # written by discovery, kept when not sent
    assert (await a.call("PUT", f"/environment_configs/{ENV}", raw=b"[]")).status == 400


async def test_delete_and_purge(api: Api) -> None:
    a = api.admin
    await api.add_env()
    await api.add_env("Second")
    await api.db.inventory.insert_one({"environment": ENV, "id": "h", "type": "host"})
    await api.db.inventory.insert_one({"environment": "Second", "id": "h", "type": "host"})
    pending = await a.post("/scans", {"environment": ENV, "status": "pending"})
    busy = await a.delete(f"/environment_configs/{ENV}")
    assert busy.status == 409
    await a.post(f"/scans/{pending.body['id']}/cancel", {})
    assert (await a.delete(f"/environment_configs/{ENV}", purge="true")).status == 200
    assert await api.db.inventory.count_documents({"environment": ENV}) == 0
    assert await api.db.scans.count_documents({"environment": ENV}) == 0
    assert (await a.delete(f"/environment_configs/{ENV}")).status == 404
    assert (await a.delete("/environment_configs/Second")).status == 200
    assert await api.db.inventory.count_documents({"environment": "Second"}) == 1
    assert (await a.delete("/environment_configs/x", colour="red")).status == 400
