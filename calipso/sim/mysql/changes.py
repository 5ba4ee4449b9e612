"""Turn the cloud's change feed into SQL statements (no I/O).

`ChangeWriter.statements(change)` runs synchronously inside the feed listener, so every
row it builds reflects the cloud exactly at that change's version; the channel runs the
statements later, in order. Nova rows are soft-deleted as Nova does; Neutron rows are
deleted. Agents whose live counts moved get their `configurations` rewritten.
"""

from __future__ import annotations

from typing import Any

from calipso.sim.cloud import Change
from calipso.sim.model import OWNER_COMPUTE, Agent, Instance, Network, Port, Router, Subnet
from calipso.sim.mysql import schema as s
from calipso.sim.mysql.rows import Row, RowBuilder, now

Statement = tuple[str, Any, bool]  # (sql, args or rows, executemany)


class ChangeWriter:
    def __init__(self, rows: RowBuilder, dbs: dict[str, str]) -> None:
        self.rows = rows
        self.cloud = rows.cloud
        self.dbs = dbs
        self.agent_conf: dict[str, str] = {}  # configurations last written, per agent id

    def name(self, table: s.Table) -> str:
        return f"`{self.dbs[table.schema]}`.`{table.name}`"

    def replace(self, table: s.Table, row: Row) -> Statement:
        return (table.insert(self.dbs[table.schema], "REPLACE"), row, False)

    def insert_many(self, table: s.Table, rows: list[Row]) -> list[Statement]:
        return [(table.insert(self.dbs[table.schema]), rows, True)] if rows else []

    def delete(self, table: s.Table, column: str, value: str) -> Statement:
        return (f"DELETE FROM {self.name(table)} WHERE `{column}` = %s", (value,), False)

    # ---- per change ------------------------------------------------------------------

    def statements(self, change: Change) -> list[Statement]:
        handler = getattr(self, f"_{change.kind}", None)
        if handler is None:
            return []
        out: list[Statement] = handler(change.action, change.record)
        out += self._agents(change)
        return out

    def _network(self, action: str, net: Network) -> list[Statement]:
        out = [self.delete(s.EXTERNAL_NETWORKS, "network_id", net.id)]
        if action == "delete":
            return [self.delete(s.NETWORKS, "id", net.id),
                    self.delete(s.NETWORK_SEGMENTS, "network_id", net.id), *out]
        out += [self.replace(s.NETWORKS, self.rows.network(net)),
                self.replace(s.NETWORK_SEGMENTS, self.rows.segment(net))]
        if net.external:
            out.append(self.replace(s.EXTERNAL_NETWORKS, (net.id, 0)))
        return out

    def _subnet(self, action: str, sub: Subnet) -> list[Statement]:
        if action == "delete":
            return [self.delete(s.SUBNETS, "id", sub.id)]
        return [self.replace(s.SUBNETS, self.rows.subnet(sub))]

    def _port(self, action: str, port: Port) -> list[Statement]:
        out = [self.delete(s.PORT_BINDINGS, "port_id", port.id),
               self.delete(s.IP_ALLOCATIONS, "port_id", port.id)]
        if action == "delete":
            out.append(self.delete(s.PORTS, "id", port.id))
        else:
            out += [self.replace(s.PORTS, self.rows.port(port)),
                    self.replace(s.PORT_BINDINGS, self.rows.binding(port)),
                    *self.insert_many(s.IP_ALLOCATIONS, self.rows.ip_allocations(port))]
        inst = self.cloud.instances.get(port.device_id)
        if port.device_owner == OWNER_COMPUTE and inst is not None:
            out.append(self._info_cache(inst))
        return out

    def _info_cache(self, inst: Instance) -> Statement:
        row = self.rows.info_cache(inst)
        return (f"UPDATE {self.name(s.INSTANCE_INFO_CACHES)} SET `network_info` = %s, "
                "`updated_at` = %s WHERE `instance_uuid` = %s", (row[4], now(), inst.uuid), False)

    def _instance(self, action: str, inst: Instance) -> list[Statement]:
        deleted_at = now() if action == "delete" else None
        out = [self.replace(s.INSTANCES, self.rows.instance(inst, deleted_at)),
               self.replace(s.INSTANCE_INFO_CACHES, self.rows.info_cache(inst, deleted_at))]
        host = self.cloud.hosts.get(inst.host)
        if host is not None and host.is_compute:
            out.append(self.replace(s.COMPUTE_NODES, self.rows.compute_node(host, now())))
        return out

    def _router(self, action: str, router: Router) -> list[Statement]:
        if action == "delete":
            return [self.delete(s.ROUTERS, "id", router.id)]
        return [self.replace(s.ROUTERS, self.rows.router(router))]

    # ---- agents' live counts ---------------------------------------------------------

    def _agents(self, change: Change) -> list[Statement]:
        out = []
        for agent in self._touched_agents(change):
            conf = self.rows.agent_configurations(agent)
            if self.agent_conf.get(agent.id) != conf:
                self.agent_conf[agent.id] = conf
                out.append((f"UPDATE {self.name(s.AGENTS)} SET `configurations` = %s, "
                            "`heartbeat_timestamp` = %s WHERE `id` = %s",
                            (conf, now(), agent.id), False))
        return out

    def _touched_agents(self, change: Change) -> list[Agent]:
        cloud = self.cloud
        if change.kind == "port":
            port: Port = change.record
            hosts = dict.fromkeys(h for h in (port.host, cloud.dhcp_host(port.network_id)) if h)
            return [a for h in hosts for a in cloud.agents_on_host(h)]
        if change.kind in ("network", "subnet"):
            return [a for a in cloud.agents.values() if a.binary == "neutron-dhcp-agent"]
        if change.kind == "router":
            return [a for a in cloud.agents_on_host(change.record.host)
                    if a.binary == "neutron-l3-agent"]
        return []
