"""What the ML2/OVN fetchers share: the OVN databases and a chassis' own settings.

``OvnCentral(fetcher, nb_tables)`` reads the northbound and southbound databases with
``ovn-nbctl``/``ovn-sbctl --format=json list TABLE`` over SSH on the OVN central host: the
first Controller host (by name) whose ``ovn-sbctl`` answers. Each southbound table is
read once per holder (per fetcher, so per scan); the northbound tables the holder names
are read together, in one ``ovn-nbctl --format=json list A -- list B ...`` the first time
one is asked for (``Logical_Switch_Port``, one row per Neutron port, with only the columns
read here). No Controller host: the tables are empty. None answering: the last host's
error is raised, so the scan records it.

``gateway_routers`` and ``local_dhcp`` find a chassis' routers and the DHCP it answers;
``dhcp_fields`` shapes a ``DHCP_Options`` row.

``chassis_ids(fetcher, host)``: the host's ``ovs-vsctl get open . external_ids``, where
ovn-controller finds its chassis name (``system-id``), ``ovn-encap-ip``/``-type``,
``ovn-bridge`` and ``ovn-bridge-mappings``.
"""

from __future__ import annotations

from typing import Any

from calipso.errors import OutputError, SshError
from calipso.fetchers.cli.base import CliAccess, parsed
from calipso.fetchers.cli.parse.ovn import (
    as_list,
    parse_bridge_mappings,
    parse_ovs_external_ids,
    parse_ovsdb_json,
    parse_ovsdb_json_tables,
    parse_ovsdb_set,
)
from calipso.fetchers.cli.scope import Once, PerHost, has_host_type

Doc = dict[str, Any]
OVS_EXTERNAL_IDS = "ovs-vsctl get open . external_ids"
CENTRAL_HOST_TYPES = frozenset({"Controller"})
PROBE = ("sb", "Chassis")  # the table whose reading finds the central host
# the columns read of a table where not all: Logical_Switch_Port has a row per Neutron port
COLUMNS = {"Logical_Switch_Port": "name,type,external_ids,dhcpv4_options,dhcpv6_options"}


class OvnCentral:
    def __init__(self, fetcher: CliAccess, nb_tables: tuple[str, ...] = ()) -> None:
        self._fetcher = fetcher
        self._host: Once[str | None] = Once(self._find_host)
        self._tables: PerHost[list[Doc]] = PerHost(self._read)
        self._nb_tables = nb_tables
        self._nb: Once[dict[str, list[Doc]]] = Once(self._read_nb)
        self._probe = ""  # the central host's answer to PROBE, read once

    async def table(self, database: str, table: str) -> list[Doc]:
        """The rows of ``table`` in ``database`` (``nb``: one of the holder's
        ``nb_tables``, or ``sb``)."""
        if database != "nb":
            return await self._tables.get(f"{database} {table}")
        if table not in self._nb_tables:
            raise ValueError(f"northbound table {table} is not among {self._nb_tables}")
        return (await self._nb.get())[table]

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

    async def _read_nb(self) -> dict[str, list[Doc]]:
        host = await self._host.get()
        if host is None:
            return {t: [] for t in self._nb_tables}
        command = nb_command(self._nb_tables)
        tables = await self._fetcher.read(host, command, parse_ovsdb_json_tables)
        if len(tables) != len(self._nb_tables):
            raise OutputError(host, command, f"{len(tables)} tables for "
                              f"{len(self._nb_tables)} list commands")
        return dict(zip(self._nb_tables, tables, strict=True))


def nb_command(tables: tuple[str, ...]) -> str:
    """One ``ovn-nbctl`` call listing ``tables``: it prints one JSON document each."""
    return "ovn-nbctl --format=json " + " -- ".join(_list(t) for t in tables)


def _list(table: str) -> str:
    columns = COLUMNS.get(table)
    return f"--columns={columns} list {table}" if columns else f"list {table}"


def _command(database: str, table: str) -> str:
    return f"ovn-{database}ctl --format=json {_list(table)}"


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


def local_dhcp(chassis: str, chassis_rows: list[Doc], bindings: list[Doc],
               switch_ports: list[Doc], dhcp_rows: list[Doc]) -> dict[str, list[Doc]]:
    """Per Neutron network, the ``DHCP_Options`` rows ovn-controller on ``chassis``
    answers with: those its VM ports (southbound ``Port_Binding`` of type ``""`` bound
    there) name in their ``Logical_Switch_Port``'s ``dhcpv4_options``/``dhcpv6_options``,
    one per subnet (the subnet's own row where a port has options of its own). The
    network is the port's ``external_ids`` ``neutron:network_name`` (``neutron-<id>``)."""
    own = {r["_uuid"] for r in chassis_rows if r.get("name") == chassis}
    bound = {b.get("logical_port") for b in bindings
             if not b.get("type") and own & set(as_list(b.get("chassis")))}
    rows = {r["_uuid"]: r for r in dhcp_rows}
    of_subnet = {_ids(r).get("subnet_id"): r for r in dhcp_rows if "port_id" not in _ids(r)}
    found: dict[str, dict[str, Doc]] = {}
    for lsp in switch_ports:
        network = str(_ids(lsp).get("neutron:network_name", "")).removeprefix("neutron-")
        if lsp.get("name") not in bound or not network:
            continue
        for ref in (*as_list(lsp.get("dhcpv4_options")), *as_list(lsp.get("dhcpv6_options"))):
            row = rows.get(ref)
            if row is not None:
                subnet = _ids(row).get("subnet_id")
                row = of_subnet.get(subnet, row)
                found.setdefault(network, {})[subnet or row["_uuid"]] = row
    return {net: list(by_subnet.values()) for net, by_subnet in found.items()}


def _ids(row: Doc) -> dict[str, Any]:
    ids = row.get("external_ids")
    return ids if isinstance(ids, dict) else {}


def dhcp_fields(row: Doc) -> Doc:
    """What a ``DHCP_Options`` row tells of one subnet's DHCP (IPv6 rows have no
    ``router``, ``lease_time`` or ``mtu``; their ``server_id`` is a MAC address)."""
    options = row.get("options") if isinstance(row.get("options"), dict) else {}
    cidr = str(row.get("cidr") or "")
    return {"subnet_id": _ids(row).get("subnet_id"), "cidr": cidr,
            "ip_version": 6 if ":" in cidr else 4,
            "server_id": options.get("server_id"), "server_mac": options.get("server_mac"),
            "router": options.get("router"), "lease_time": _number(options.get("lease_time")),
            "mtu": _number(options.get("mtu")),
            "dns_servers": parse_ovsdb_set(str(options.get("dns_server") or ""))}


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value
