"""The initial fill: every table's rows from the cloud as it is now, inserted in bulk."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiomysql

from calipso.sim.mysql import schema as s
from calipso.sim.mysql.changes import ChangeWriter
from calipso.sim.mysql.literals import insert_statements
from calipso.sim.mysql.rows import Row

YIELD_EVERY = 500  # records built between two turns of the event loop


async def snapshot_rows(writer: ChangeWriter) -> dict[s.Table, list[Row]]:
    """Every table's rows, built in slices so the event loop keeps serving.

    Which records exist is fixed when this is called (the tables are copied before the
    first await); a slice built later may already see changes the feed has queued since.
    That is harmless: every queued statement is idempotent (REPLACE, DELETE, UPDATE) and
    runs after the fill, so each row ends as of the last change that touched it.
    Also records each agent's `configurations`, so later changes rewrite only the agents
    whose counts moved.
    """
    cloud, rows = writer.cloud, writer.rows
    instances, ports = list(cloud.instances.values()), list(cloud.ports.values())
    computes, agents = cloud.compute_hosts(), list(cloud.agents.values())
    aggregates, networks = list(cloud.aggregates.values()), list(cloud.networks.values())
    subnets, routers = list(cloud.subnets.values()), list(cloud.routers.values())
    out: dict[s.Table, list[Row]] = {t: [] for t in s.TABLES}
    for i, inst in enumerate(instances, start=1):
        out[s.INSTANCES].append(rows.instance(inst))
        out[s.INSTANCE_INFO_CACHES].append(rows.info_cache(inst))
        if i % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    out[s.COMPUTE_NODES] = [rows.compute_node(h) for h in computes]
    for agg in aggregates:
        out[s.AGGREGATES].append(rows.aggregate(agg))
        out[s.AGGREGATE_HOSTS] += rows.aggregate_hosts(agg)
        out[s.AGGREGATE_METADATA] += rows.aggregate_metadata(agg)
    await asyncio.sleep(0)
    for agent in agents:
        conf = writer.agent_conf[agent.id] = rows.agent_configurations(agent)
        out[s.AGENTS].append(rows.agent(agent, conf))
        endpoint = rows.vxlan_endpoint(agent)
        if endpoint is not None:
            out[s.VXLAN_ENDPOINTS].append(endpoint)
    for net in networks:
        out[s.NETWORKS].append(rows.network(net))
        out[s.NETWORK_SEGMENTS].append(rows.segment(net))
        if net.external:
            out[s.EXTERNAL_NETWORKS].append((net.id, 0))
    out[s.SUBNETS] = [rows.subnet(sub) for sub in subnets]
    for i, port in enumerate(ports, start=1):
        out[s.PORTS].append(rows.port(port))
        out[s.PORT_BINDINGS].append(rows.binding(port))
        out[s.IP_ALLOCATIONS] += rows.ip_allocations(port)
        if i % (4 * YIELD_EVERY) == 0:
            await asyncio.sleep(0)
    out[s.ROUTERS] = [rows.router(r) for r in routers]
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
