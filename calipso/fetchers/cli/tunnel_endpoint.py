"""What the OTEP fetchers share: the UDP port of a tunnel type, and the interface that
holds a tunnel IP.

The UDP port comes from Neutron's ``ml2_<type>_endpoints`` table when the environment has
a MySQL source (one query per tunnel type per scan), else it is the standard port of the
tunnel type (never the original's "67"). The interface holding the tunnel IP is taken
from the host's NICs found earlier in this scan when one of them holds it, else from one
``ip address show`` of the host.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from calipso.errors import DbError
from calipso.fetchers.base import Doc
from calipso.fetchers.cli.base import CliAccess
from calipso.fetchers.cli.parse.ip_address import Interface, parse_ip_address_show
from calipso.fetchers.cli.scope import PerHost, docs_on_host

if TYPE_CHECKING:
    from calipso.sources import FetchContext

log = logging.getLogger(__name__)

# ml2_geneve_endpoints and ml2_gre_endpoints have no udp_port column
PORT_IN_ENDPOINTS_TABLE = frozenset({"vxlan"})
STANDARD_UDP_PORTS: dict[str, int | None] = {"vxlan": 4789, "geneve": 6081, "gre": None,
                                             "stt": 7471}


class TunnelEndpointAccess(CliAccess):
    """Base of the OTEP fetchers: per-scan caches for endpoints and addresses."""

    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self._endpoints: PerHost[dict[str, int]] = PerHost(self._query_endpoints)
        self._addresses: PerHost[list[Interface]] = PerHost(self._ip_address_show)

    async def udp_port(self, host: str, tunnel_type: str, default: int | None) -> int | None:
        if self.ctx.mysql is None or tunnel_type not in PORT_IN_ENDPOINTS_TABLE:
            return default
        try:
            ports = await self._endpoints.get(tunnel_type)
        except DbError as err:
            log.warning("tunnel endpoints unreadable", extra={"error": err.detail})
            return default
        return ports.get(host, default)

    async def _query_endpoints(self, tunnel_type: str) -> dict[str, int]:
        assert self.ctx.mysql is not None
        schema = await _neutron_schema(self.ctx.mysql)
        rows = await self.ctx.mysql.query(
            f"SELECT host, udp_port FROM `{schema}`.`ml2_{tunnel_type}_endpoints`")
        return {str(r["host"]): int(r["udp_port"]) for r in rows
                if r.get("host") and r.get("udp_port") is not None}

    async def interface_holding(self, host: str, ip: str) -> str | None:
        for pnic in docs_on_host(self.ctx, "host_pnic", host):
            if pnic.get("IP Address") == ip:
                return str(pnic["name"])
        interfaces = await self._addresses.get(host)
        return interface_with_ip(interfaces, ip)

    async def _ip_address_show(self, host: str) -> list[Interface]:
        return await self.read(host, "ip address show", parse_ip_address_show)


async def _neutron_schema(mysql: Any) -> str:
    """The neutron schema name (``MysqlPool.neutron()``; plain ``neutron`` otherwise)."""
    finder = getattr(mysql, "neutron", None)
    return str(await finder()) if finder is not None else "neutron"


def interface_with_ip(interfaces: list[Interface], ip: str) -> str | None:
    for iface in interfaces:
        if any(a.address == ip for a in iface.ipv4):
            return iface.name
    return None


def shape_otep(host: str, ip: str, overlay_type: str, udp_port: int | None,
               ports: list[str], interface: str | None) -> Doc:
    return {
        "id": f"{host}-otep", "name": f"{host}-otep", "object_name": f"{host}-otep",
        "host": host, "ip_address": ip, "overlay_type": overlay_type, "udp_port": udp_port,
        "ports": sorted(ports), "vconnector": f"{host}-{interface}" if interface else None,
    }
