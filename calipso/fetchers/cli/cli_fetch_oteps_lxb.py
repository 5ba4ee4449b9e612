"""The tunnel endpoint (OTEP) of a Linux bridge host.

Per host: ``ip -d link show`` lists the kernel VXLAN devices (``vxlan-<vni>``, their local
IP and UDP port) and ``bridge fdb show`` the remote VTEPs each device floods to. One OTEP
per host, ``<host>-otep``: the tunnel IP, the devices that have remote VTEPs as ``ports``,
their UDP port (MySQL ``ml2_vxlan_endpoints`` when configured, else the devices' own
``dstport``), the interface holding the IP, and each device's ``mac_address``, ``mtu``,
``state`` and remote ``bridge dst`` under ``interfaces``.

Placed under the host's Linux bridge vEdge when one was found; run under the host's
vConnectors (the scanner tree of the original), it answers for the first one only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.parse.bridge_fdb import FdbEntry, parse_bridge_fdb_show
from calipso.fetchers.cli.parse.ip_address import Interface, parse_ip_link_show
from calipso.fetchers.cli.scope import PerHost, docs_on_host
from calipso.fetchers.cli.tunnel_endpoint import TunnelEndpointAccess, shape_otep

if TYPE_CHECKING:
    from calipso.scanners.context import ScanContext


class CliFetchOtepsLxb(TunnelEndpointAccess):
    def __init__(self, ctx: ScanContext) -> None:
        super().__init__(ctx)
        self._links: PerHost[tuple[list[Interface], list[FdbEntry]]] = PerHost(self._fetch)
        self._answered: set[str] = set()

    async def get(self, parent_id: str) -> list[Doc]:
        parent = await self.ctx.lookup(parent_id)
        if parent is None or not parent.get("host"):
            return []
        host = str(parent["host"])
        if parent.get("type") != "vedge":
            if host in self._answered:
                return []
            self._answered.add(host)
        links, fdb = await self._links.get(host)
        devices = [i for i in links if i.vxlan is not None and i.vxlan.local]
        ip = next((i.vxlan.local for i in devices if i.vxlan and i.vxlan.local), None)
        if ip is None:
            return []
        default = next((d.vxlan.dstport for d in devices if d.vxlan and d.vxlan.dstport), 8472)
        udp = await self.udp_port(host, "vxlan", default)
        doc = shape_otep_lxb(host, ip, udp, devices, fdb,
                             await self.interface_holding(host, ip))
        vedges = docs_on_host(self.ctx, "vedge", host)
        if parent.get("type") != "vedge" and vedges:
            doc["parent_id"], doc["parent_type"] = vedges[0]["id"], "vedge"
        return [doc]

    async def _fetch(self, host: str) -> tuple[list[Interface], list[FdbEntry]]:
        links = parse_ip_link_show(await self.run(host, "ip -d link show"))
        fdb = parse_bridge_fdb_show(await self.run(host, "bridge fdb show"))
        return links, fdb


def shape_otep_lxb(host: str, ip: str, udp_port: int | None, devices: list[Interface],
                   fdb: list[FdbEntry], interface: str | None) -> Doc:
    remotes: dict[str, list[str]] = {}
    for entry in fdb:
        if entry.dst:
            remotes.setdefault(entry.dev, [])
            if entry.dst not in remotes[entry.dev]:
                remotes[entry.dev].append(entry.dst)
    ports = [d.name for d in devices if d.name in remotes]
    doc = shape_otep(host, ip, "vxlan", udp_port, ports, interface)
    doc["interfaces"] = {d.name: {
        "name": d.name, "mac_address": d.mac_address, "mtu": d.mtu,
        "state": "UP" if d.is_up else "DOWN", "vni": d.vxlan.vni if d.vxlan else None,
        "bridge dst": remotes.get(d.name, []), "data": "\n".join(d.data),
    } for d in devices}
    return doc
