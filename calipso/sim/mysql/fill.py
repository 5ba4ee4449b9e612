"""The initial fill: every table's rows from the cloud as it is now, inserted in bulk."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiomysql

from calipso.sim.mysql import schema as s
from calipso.sim.mysql.changes import ChangeWriter
from calipso.sim.mysql.literals import insert_statements
from calipso.sim.mysql.rows import Row


def snapshot_rows(writer: ChangeWriter) -> dict[s.Table, list[Row]]:
    """All rows of the cloud at this instant (synchronous: nothing changes meanwhile).

    Also records each agent's `configurations`, so later changes rewrite only the agents
    whose counts moved.
    """
    cloud, rows = writer.cloud, writer.rows
    out: dict[s.Table, list[Row]] = {t: [] for t in s.TABLES}
    for inst in cloud.instances.values():
        out[s.INSTANCES].append(rows.instance(inst))
        out[s.INSTANCE_INFO_CACHES].append(rows.info_cache(inst))
    out[s.COMPUTE_NODES] = [rows.compute_node(h) for h in cloud.compute_hosts()]
    for agg in cloud.aggregates.values():
        out[s.AGGREGATES].append(rows.aggregate(agg))
        out[s.AGGREGATE_HOSTS] += rows.aggregate_hosts(agg)
        out[s.AGGREGATE_METADATA] += rows.aggregate_metadata(agg)
    for agent in cloud.agents.values():
        conf = writer.agent_conf[agent.id] = rows.agent_configurations(agent)
        out[s.AGENTS].append(rows.agent(agent, conf))
        endpoint = rows.vxlan_endpoint(agent)
        if endpoint is not None:
            out[s.VXLAN_ENDPOINTS].append(endpoint)
    for net in cloud.networks.values():
        out[s.NETWORKS].append(rows.network(net))
        out[s.NETWORK_SEGMENTS].append(rows.segment(net))
        if net.external:
            out[s.EXTERNAL_NETWORKS].append((net.id, 0))
    out[s.SUBNETS] = [rows.subnet(sub) for sub in cloud.subnets.values()]
    for port in cloud.ports.values():
        out[s.PORTS].append(rows.port(port))
        out[s.PORT_BINDINGS].append(rows.binding(port))
        out[s.IP_ALLOCATIONS] += rows.ip_allocations(port)
    out[s.ROUTERS] = [rows.router(r) for r in cloud.routers.values()]
    out[s.PROJECT] = [rows.default_domain(), *map(rows.project, cloud.projects.values())]
    return out


async def insert_snapshot(connect: Callable[[], Awaitable[aiomysql.Connection]],
                          writer: ChangeWriter, snapshot: dict[s.Table, list[Row]],
                          connections: int = 4) -> dict[str, int]:
    """Insert the snapshot as multi-row INSERTs over a few connections at once (so the
    server works while the client builds the next statement); rows per `schema.table`."""
    todo = sorted((t for t, rows in snapshot.items() if rows), key=lambda t: -len(snapshot[t]))

    async def worker() -> None:
        conn = await connect()
        try:
            async with conn.cursor() as cur:
                while todo:
                    table = todo.pop(0)
                    head = table.insert_head(writer.dbs[table.schema])
                    for statement in insert_statements(head, snapshot[table]):
                        await cur.execute(statement)
            await conn.commit()
        finally:
            conn.close()

    async with asyncio.TaskGroup() as tg:
        for _ in range(min(connections, len(todo))):
            tg.create_task(worker())
    return {f"{writer.dbs[t.schema]}.{t.name}": len(r) for t, r in snapshot.items()}
