"""The tunnel endpoint (OTEP) of a Linux bridge host.

Per host: ``ip -d link show`` lists the kernel VXLAN devices (``vxlan-<vni>``, their local
IP and UDP port) and ``bridge fdb show`` the remote VTEPs each device floods to. One OTEP
per host, ``<host>-otep``: the tunnel IP, the devices that have remote VTEPs as ``ports``,
their UDP port (MySQL ``ml2_vxlan_endpoints`` when configured, else the devices' own
``dstport``), the interface holding the IP, and each device's ``mac_address``, ``mtu``,
``state`` and remote ``bridge dst`` under ``interfaces``.

It runs under the host's Linux bridge vEdge (the original hung one OTEP per VXLAN device
under each vConnector).
"""

from __future__ import annotations

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.parse.bridge_fdb import FdbEntry, parse_bridge_fdb_show
from calipso.fetchers.cli.parse.ip_address import Interface, parse_ip_link_show
from calipso.fetchers.cli.tunnel_endpoint import TunnelEndpointAccess, shape_otep


class CliFetchOtepsLxb(TunnelEndpointAccess):
    async def get(self, parent_id: str) -> list[Doc]:
        vedge = await self.ctx.lookup(parent_id)
        if vedge is None or not vedge.get("host"):
            return []
        host = str(vedge["host"])
        links = await self.read(host, "ip -d link show", parse_ip_link_show)
        fdb = await self.read(host, "bridge fdb show", parse_bridge_fdb_show)
        devices = [i for i in links if i.vxlan is not None and i.vxlan.local]
        ip = next((i.vxlan.local for i in devices if i.vxlan and i.vxlan.local), None)
        if ip is None:
            return []
        default = next((d.vxlan.dstport for d in devices if d.vxlan and d.vxlan.dstport), 8472)
        udp = await self.udp_port(host, "vxlan", default)
        return [shape_otep_lxb(host, ip, udp, devices, fdb,
                               await self.interface_holding(host, ip))]


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
