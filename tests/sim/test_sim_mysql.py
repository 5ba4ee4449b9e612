"""The simulator's MySQL channel against the machine's MariaDB: rows equal the model, the
captured queries answer with the captured columns, the reader is read-only, the latency
proxy delays, and two channels stay apart."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiomysql
import pymysql
import pytest
from shared_fixtures import SHARED_FIXTURES, needs_shared, shared_fixture

from calipso.env_config import MysqlSection
from calipso.errors import ConfigError
from calipso.sim import Cloud, generate, spec_from_flags
from calipso.sim.mysql import MysqlChannel, open_mysql_channel
from calipso.sim.mysql import schema as s
from calipso.sim.mysql.changes import ChangeWriter
from calipso.sim.mysql.fill import snapshot_rows
from calipso.sim.mysql.rows import RowBuilder

ROOT_URI = "mysql://root@127.0.0.1:3306"


def make_cloud(driver: str = "ovs", type_driver: str = "vxlan", **more: Any) -> Cloud:
    return generate(spec_from_flags(
        hosts={"controllers": 1, "networks": 1, "computes": 3, "combined": 0}, instances=6,
        networks=2, driver=driver, type_driver=type_driver, seed=7,
        aggregates=[{"name": "fast", "hosts": 2, "metadata": {"ssd": "true"}}], **more))


def new_prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}_"


async def query(ch: MysqlChannel, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Run `sql` as Calipso would: the channel's read-only account, dict rows; `{nova}`,
    `{neutron}`, `{keystone}` stand for the channel's schema names."""
    conn = await aiomysql.connect(host=ch.host, port=ch.port, user=ch.user,
                                  password=ch.password, cursorclass=aiomysql.DictCursor)
    try:
        async with conn.cursor() as cur:
            await cur.execute(sql.format(**ch.schemas), args)
            return list(await cur.fetchall())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def cloud() -> Cloud:
    return make_cloud()


@pytest.fixture(scope="module")
async def channel(cloud: Cloud) -> AsyncIterator[MysqlChannel]:
    async with open_mysql_channel(cloud, ROOT_URI, prefix=new_prefix()) as ch:
        yield ch


async def test_every_row_has_one_value_per_column() -> None:
    cloud = make_cloud()
    snapshot = await snapshot_rows(ChangeWriter(RowBuilder(cloud), {n: n for n in s.SCHEMAS}))
    for table, rows in snapshot.items():
        assert all(len(row) == len(table.columns) for row in rows), table.name
    assert snapshot[s.AGGREGATE_METADATA], "aggregate metadata rows expected"


async def test_every_instance_is_on_its_host_with_its_ports_macs(
        channel: MysqlChannel, cloud: Cloud) -> None:
    rows = await query(channel, """
        SELECT i.uuid AS id, i.display_name AS name, i.host, cn.host_ip AS ip_address,
               ic.network_info, i.project_id, IFNULL(p.name, 'Unknown') AS project,
               i.availability_zone, i.node
        FROM {nova}.instances i LEFT JOIN {keystone}.project p ON p.id = i.project_id
        JOIN {nova}.instance_info_caches ic ON i.uuid = ic.instance_uuid
        JOIN {nova}.compute_nodes cn ON i.node = cn.hypervisor_hostname
        WHERE i.deleted = 0""")
    assert {r["id"] for r in rows} == set(cloud.instances)
    for row in rows:
        inst = cloud.instances[row["id"]]
        assert (row["name"], row["host"], row["node"]) == (inst.name, inst.host, inst.host)
        assert row["ip_address"] == cloud.hosts[inst.host].ip
        assert row["project"] == cloud.projects[inst.project_id].name
        assert row["availability_zone"] == inst.availability_zone
        vifs = json.loads(row["network_info"])
        assert [v["address"] for v in vifs] == [cloud.ports[p].mac for p in inst.port_ids]
        assert [v["network"]["id"] for v in vifs] == [cloud.ports[p].network_id
                                                     for p in inst.port_ids]


async def test_compute_nodes_and_aggregates(channel: MysqlChannel, cloud: Cloud) -> None:
    nodes = await query(channel, "SELECT * FROM {nova}.compute_nodes WHERE deleted = 0")
    computes = {h.name: h for h in cloud.compute_hosts()}
    assert {r["hypervisor_hostname"] for r in nodes} == set(computes)
    for row in nodes:
        host = computes[row["host"]]
        assert (row["host_ip"], row["id"], row["uuid"]) == (host.ip, host.hypervisor_id,
                                                            host.hypervisor_uuid)
        assert row["running_vms"] == len(cloud.instances_on_host(host.name))
    (agg,) = cloud.aggregates.values()
    hosts = await query(channel, """
        SELECT CONCAT('aggregate-', a.name, '-', host) AS id, host AS name
        FROM {nova}.aggregate_hosts ah JOIN {nova}.aggregates a ON a.id = ah.aggregate_id
        WHERE ah.deleted = 0 AND aggregate_id = %s""", (agg.id,))
    assert [r["name"] for r in hosts] == list(agg.hosts)
    meta = await query(channel, "SELECT `key`, value FROM {nova}.aggregate_metadata")
    assert {(r["key"], r["value"]) for r in meta} == {("ssd", "true")}


async def test_agents_carry_their_configurations(channel: MysqlChannel, cloud: Cloud) -> None:
    rows = await query(channel, "SELECT * FROM {neutron}.agents")
    assert {r["id"] for r in rows} == set(cloud.agents)
    for row in rows:
        agent = cloud.agents[row["id"]]
        assert (row["binary"], row["agent_type"], row["host"], row["topic"]) == (
            agent.binary, agent.agent_type, agent.host, agent.topic)
        assert json.loads(row["configurations"]) == cloud.agent_configurations(agent.id)
        assert row["admin_state_up"] == 1 and row["heartbeat_timestamp"] is not None
    ovs = await query(channel, "SELECT * FROM {neutron}.agents WHERE host = %s AND "
                      "agent_type = 'Open vSwitch agent'", (cloud.compute_hosts()[0].name,))
    assert json.loads(ovs[0]["configurations"])["tunnel_types"] == ["vxlan"]


async def test_neutron_rows_equal_the_model(channel: MysqlChannel, cloud: Cloud) -> None:
    ports = await query(channel, """
        SELECT p.*, b.host, b.vif_type, b.vif_details FROM {neutron}.ports p
        JOIN {neutron}.ml2_port_bindings b ON b.port_id = p.id""")
    assert {r["id"] for r in ports} == set(cloud.ports)
    for row in ports:
        port = cloud.ports[row["id"]]
        assert (row["mac_address"], row["network_id"], row["device_owner"], row["device_id"],
                row["status"], row["host"], row["vif_type"]) == (
            port.mac, port.network_id, port.device_owner, port.device_id, port.status,
            port.host, port.vif_type)
        assert json.loads(row["vif_details"]) == port.vif_details
    ips = await query(channel, "SELECT port_id, ip_address FROM {neutron}.ipallocations")
    assert {(r["port_id"], r["ip_address"]) for r in ips} == {
        (p.id, ip.ip_address) for p in cloud.ports.values() for ip in p.fixed_ips}
    nets = await query(channel, "SELECT n.id, n.name, n.mtu, s.network_type, "
                       "s.segmentation_id FROM {neutron}.networks n "
                       "JOIN {neutron}.networksegments s ON s.network_id = n.id")
    assert {(r["id"], r["name"], r["mtu"], r["network_type"], r["segmentation_id"])
            for r in nets} == {(n.id, n.name, n.mtu, n.network_type, n.segmentation_id)
                               for n in cloud.networks.values()}
    (router,) = cloud.routers.values()
    (row,) = await query(channel, "SELECT * FROM {neutron}.routers WHERE id = %s", (router.id,))
    assert row == {"project_id": router.project_id, "id": router.id, "name": router.name,
                   "status": "ACTIVE", "admin_state_up": 1, "gw_port_id": router.gw_port_id,
                   "enable_snat": 1, "flavor_id": None}
    projects = await query(channel, "SELECT id, name FROM {keystone}.project WHERE is_domain = 0")
    assert {(r["id"], r["name"]) for r in projects} == {
        (p.id, p.name) for p in cloud.projects.values()}


@pytest.mark.parametrize(("driver", "type_driver", "udp_port"), [
    ("ovs", "vxlan", 4789), ("lxb", "vxlan", 8472), ("vpp", "vxlan", None),
    ("ovs", "vlan", None)])
async def test_tunnel_endpoints_per_driver(driver: str, type_driver: str,
                                           udp_port: int | None) -> None:
    cloud = make_cloud(driver, type_driver)
    async with open_mysql_channel(cloud, ROOT_URI, prefix=new_prefix()) as ch:
        rows = await query(ch, "SELECT * FROM {neutron}.ml2_vxlan_endpoints")
        assert await query(ch, "SELECT * FROM {neutron}.ml2_gre_endpoints") == []
        if udp_port is None:  # no L2 agent tunnels VXLAN (VPP has no agent row; VLAN)
            assert rows == []
            return
        l2 = [h for h in cloud.hosts.values() if h.is_compute or h.is_network]
        assert {(r["host"], r["ip_address"], r["udp_port"]) for r in rows} == {
            (h.name, h.tunnel_ip, udp_port) for h in l2}
        if driver == "lxb":
            conf = await query(ch, "SELECT configurations FROM {neutron}.agents WHERE "
                               "agent_type = 'Linux bridge agent' AND host = %s", (l2[0].name,))
            assert json.loads(conf[0]["configurations"])["interface_mappings"]


def _captured_queries() -> list[Any]:
    """One parameter per captured query; one skipped parameter without ../shared."""
    if not SHARED_FIXTURES.is_dir():
        return [pytest.param(None, id="captures", marks=needs_shared)]
    index = json.loads((SHARED_FIXTURES / "index.json").read_text())
    return [pytest.param(e, id=e["path"]) for e in index if e["path"].startswith("mysql/")]


def _query_args(path: str, cloud: Cloud) -> tuple[Any, ...]:
    if "aggregate_hosts" in path:
        return (next(iter(cloud.aggregates)),)
    if "compute_nodes" in path or "vxlan_endpoints" in path:
        return (cloud.compute_hosts()[0].name,)
    return (cloud.network_hosts()[0].name,)


@pytest.mark.parametrize("entry", _captured_queries())
async def test_captured_queries_answer_with_the_captured_columns(
        entry: dict[str, Any], channel: MysqlChannel, cloud: Cloud) -> None:
    sql = re.sub(r"\b(nova|neutron|keystone)\.", r"{\1}.", entry["query"])
    args = _query_args(entry["path"], cloud) if "%s" in sql else ()
    rows = await query(channel, sql, args)
    captured = json.loads(shared_fixture(entry["path"]).read_text())
    assert rows, entry["query"]
    assert set(captured[0]) <= set(rows[0]), entry["path"]
    for key in ("configurations", "network_info"):
        if key in rows[0]:
            assert isinstance(rows[0][key], str) and json.loads(rows[0][key]) is not None


async def test_the_reader_sees_its_schemas_and_cannot_write(channel: MysqlChannel) -> None:
    names = {r["Database"] for r in await query(channel, "SHOW DATABASES")}
    assert names - {"information_schema"} == set(channel.schemas.values())
    for sql in ("UPDATE {nova}.instances SET host = 'x'",
                "INSERT INTO {keystone}.project (id, name, domain_id) VALUES ('a', 'b', 'c')",
                "DELETE FROM {neutron}.ports", "DROP TABLE {neutron}.agents",
                "CREATE TABLE {nova}.evil (id INT)"):
        with pytest.raises(pymysql.err.OperationalError) as err:
            await query(channel, sql)
        assert err.value.args[0] in (1142, 1044), sql  # command denied / access denied
    assert channel.password not in repr(channel)
    MysqlSection.model_validate(channel.config())
    assert channel.config() == {
        "name": "mysql", "host": channel.host, "port": channel.port, "user": channel.user,
        "pwd": channel.password, "schema": channel.schemas["nova"],
        "neutron_schema": channel.schemas["neutron"],
        "keystone_schema": channel.schemas["keystone"]}


async def _round_trip_ms(ch: MysqlChannel, conn: aiomysql.Connection) -> float:
    async with conn.cursor() as cur:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            await cur.execute(f"SELECT COUNT(*) FROM `{ch.schemas['neutron']}`.`ports`")
            await cur.fetchall()
            best = min(best, (time.perf_counter() - started) * 1000)
    return best


async def test_the_latency_proxy_delays_every_query() -> None:
    cloud = make_cloud()
    async with open_mysql_channel(cloud, ROOT_URI, prefix=new_prefix(), latency_ms=100) as ch:
        assert ch.port != 3306 and ch.latency_ms == 100
        conn = await aiomysql.connect(host=ch.host, port=ch.port, user=ch.user,
                                      password=ch.password)
        direct = await aiomysql.connect(host="127.0.0.1", port=3306, user=ch.user,
                                        password=ch.password)
        try:
            assert await _round_trip_ms(ch, conn) >= 100
            assert await _round_trip_ms(ch, direct) < 50
        finally:
            conn.close()
            direct.close()
        assert (await query(ch, "SELECT COUNT(*) AS n FROM {nova}.instances"))[0]["n"] == 6


async def _schemas_like(prefix: str) -> set[str]:
    conn = await aiomysql.connect(host="127.0.0.1", port=3306, user="root")
    try:
        async with conn.cursor() as cur:
            await cur.execute("SHOW DATABASES LIKE %s", (prefix + "%",))
            return {r[0] for r in await cur.fetchall()}
    finally:
        conn.close()


async def test_two_channels_stay_apart_and_drop_only_their_own() -> None:
    small, big = make_cloud(), generate(spec_from_flags(hosts=3, instances=9, seed=2))
    first, second = new_prefix(), new_prefix()
    async with open_mysql_channel(small, ROOT_URI, prefix=first) as a:
        async with open_mysql_channel(big, ROOT_URI, prefix=second) as b:
            assert a.user != b.user
            count = "SELECT COUNT(*) AS n FROM {nova}.instances"
            assert (await query(a, count))[0]["n"] == 6
            assert (await query(b, count))[0]["n"] == 9
            with pytest.raises(pymysql.err.OperationalError):
                await query(a, f"SELECT * FROM `{b.schemas['nova']}`.instances")
        assert await _schemas_like(second) == set()
        assert await _schemas_like(first) == set(a.schemas.values())
    assert await _schemas_like(first) == set()


async def test_keep_leaves_schemas_and_reader_in_place() -> None:
    prefix = new_prefix()
    async with open_mysql_channel(make_cloud(), ROOT_URI, prefix=prefix, keep=True) as ch:
        pass
    try:
        assert (await query(ch, "SELECT COUNT(*) AS n FROM {nova}.instances"))[0]["n"] == 6
    finally:
        async with open_mysql_channel(make_cloud(), ROOT_URI, prefix=prefix):
            pass  # a new channel on the same prefix replaces them, and drops them on exit
    assert await _schemas_like(prefix) == set()


@pytest.mark.parametrize(("uri", "prefix"), [
    ("mysql://root@127.0.0.1:3306", "bad-prefix"), ("postgres://root@127.0.0.1", "ok_"),
    ("mysql://root@127.0.0.1:1", "ok_")])
async def test_bad_arguments_are_config_errors(uri: str, prefix: str) -> None:
    with pytest.raises(ConfigError):
        async with open_mysql_channel(make_cloud(), uri, prefix=prefix):
            pass
