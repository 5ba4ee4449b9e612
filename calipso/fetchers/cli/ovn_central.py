"""What the ML2/OVN fetchers share: the OVN databases and a chassis' own settings.

``OvnCentral(fetcher)`` reads the northbound and southbound databases with
``ovn-nbctl``/``ovn-sbctl --format=json list TABLE`` over SSH, each table once per holder
(per fetcher, so per scan), on the OVN central host: the first Controller host (by name)
whose ``ovn-sbctl`` answers. No Controller host: the tables are empty. None answering:
the last host's error is raised, so the scan records it.

``chassis_ids(fetcher, host)``: the host's ``ovs-vsctl get open . external_ids``, where
ovn-controller finds its chassis name (``system-id``), ``ovn-encap-ip``/``-type``,
``ovn-bridge`` and ``ovn-bridge-mappings``.
"""

from __future__ import annotations

from typing import Any

from calipso.errors import SshError
from calipso.fetchers.cli.base import CliAccess, parsed
from calipso.fetchers.cli.parse.ovn import (
    as_list,
    parse_bridge_mappings,
    parse_ovs_external_ids,
    parse_ovsdb_json,
)
from calipso.fetchers.cli.scope import Once, PerHost, has_host_type

Doc = dict[str, Any]
OVS_EXTERNAL_IDS = "ovs-vsctl get open . external_ids"
CENTRAL_HOST_TYPES = frozenset({"Controller"})
PROBE = ("sb", "Chassis")  # the table whose reading finds the central host


class OvnCentral:
    def __init__(self, fetcher: CliAccess) -> None:
        self._fetcher = fetcher
        self._host: Once[str | None] = Once(self._find_host)
        self._tables: PerHost[list[Doc]] = PerHost(self._read)
        self._probe = ""  # the central host's answer to PROBE, read once

    async def table(self, database: str, table: str) -> list[Doc]:
        """The rows of ``table`` in ``database`` (``nb`` or ``sb``)."""
        return await self._tables.get(f"{database} {table}")

    async def _find_host(self) -> str | None:
        hosts = sorted(str(h["id"]) for h in self._fetcher.ctx.of_type("host")
                       if has_host_type(h, CENTRAL_HOST_TYPES))
        error: SshError | None = None
        for host in hosts:
            try:
                self._probe = await self._fetcher.run(host, _command(*PROBE))
            except SshError as err:  # not installed there: try the next controller
                error = err
                continue
            return host
        if error is not None:
            raise error
        return None

    async def _read(self, key: str) -> list[Doc]:
        host = await self._host.get()
        if host is None:
            return []
        database, table = key.split(" ")
        command = _command(database, table)
        if (database, table) == PROBE:
            return parsed(host, command, parse_ovsdb_json, self._probe)
        return await self._fetcher.read(host, command, parse_ovsdb_json)


def _command(database: str, table: str) -> str:
    return f"ovn-{database}ctl --format=json list {table}"


async def chassis_ids(fetcher: CliAccess, host: str) -> dict[str, str]:
    return await fetcher.read(host, OVS_EXTERNAL_IDS, _parse_chassis_ids)


def _parse_chassis_ids(text: str) -> dict[str, str]:
    ids = parse_ovs_external_ids(text)
    parse_bridge_mappings(ids.get("ovn-bridge-mappings") or "")  # raises on a bad one
    return ids


def chassis_configurations(ids: dict[str, str]) -> Doc:
    """A chassis' ovn-controller settings, in the keys of an OVS agent's configurations
    (what the OTEP and link code read): its Geneve tunnels end on the integration bridge."""
    bridge = ids.get("ovn-bridge") or "br-int"
    return {"chassis_name": ids.get("system-id"), "integration_bridge": bridge,
            "tunnel_bridge": bridge,
            "tunneling_ip": (ids.get("ovn-encap-ip") or "").split(",")[0] or None,
            "tunnel_types": [t for t in (ids.get("ovn-encap-type") or "").split(",") if t],
            "bridge_mappings": parse_bridge_mappings(ids.get("ovn-bridge-mappings") or "")}


def gateway_routers(chassis: str, chassis_rows: list[Doc], bindings: list[Doc],
                    routers: list[Doc], router_ports: list[Doc]) -> list[str]:
    """The Neutron routers whose gateway port (``cr-lrp-<port>``, chassisredirect) the
    southbound database binds to ``chassis``, in the order of ``Logical_Router``."""
    own = {r["_uuid"] for r in chassis_rows if r.get("name") == chassis}
    redirected = {str(b.get("logical_port", "")).removeprefix("cr-") for b in bindings
                  if b.get("type") == "chassisredirect" and own & set(as_list(b.get("chassis")))}
    lrps = {p["_uuid"] for p in router_ports if p.get("name") in redirected}
    return [str(r.get("name", "")).removeprefix("neutron-") for r in routers
            if lrps & set(as_list(r.get("ports")))]
