"""The tunnel endpoint (OTEP) of an Open vSwitch or VPP vEdge.

OVS: the tunnel IP and type are the OVS agent's ``configurations.tunneling_ip`` and
``tunnel_types[0]`` (no IP: a VLAN-only host, no OTEP); the tunnel ports are the vEdge's
``tunnel_ports``. VPP (no Neutron L2 agent): the IP is the one on the VPP uplink NIC found
under the vEdge, the tunnel ports are the vEdge's ``vxlan_tunnel*`` interfaces. The OTEP
is ``<host>-otep`` with ``vconnector`` ``<host>-<interface holding the IP>`` and the UDP
port of ``tunnel_endpoint``.
"""

from __future__ import annotations

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.scope import docs_on_host
from calipso.fetchers.cli.tunnel_endpoint import (
    STANDARD_UDP_PORTS,
    TunnelEndpointAccess,
    shape_otep,
)


class CliFetchOteps(TunnelEndpointAccess):
    async def get(self, parent_id: str) -> list[Doc]:
        vedge = await self.ctx.lookup(parent_id)
        if vedge is None or vedge.get("type") != "vedge" or not vedge.get("host"):
            return []
        host = str(vedge["host"])
        ip, overlay, ports = vedge_tunnel(vedge, docs_on_host(self.ctx, "host_pnic", host))
        if not ip:
            return []
        udp = await self.udp_port(host, overlay, STANDARD_UDP_PORTS.get(overlay))
        return [shape_otep(host, ip, overlay, udp, ports,
                           await self.interface_holding(host, ip))]


def vedge_tunnel(vedge: Doc, pnics: list[Doc]) -> tuple[str | None, str, list[str]]:
    """(tunnel IP, overlay type, tunnel port names) of a vEdge."""
    conf = vedge.get("configurations") or {}
    types = conf.get("tunnel_types") or []
    overlay = str(types[0]) if types else "vxlan"
    if vedge.get("agent_type") == "VPP":
        ports = [p for p in vedge.get("ports") or {} if p.startswith("vxlan_tunnel")]
        ip = conf.get("tunneling_ip") or next(
            (p["IP Address"] for p in pnics if p.get("IP Address")), None)
        return ip, overlay, ports
    return conf.get("tunneling_ip") or None, overlay, list(vedge.get("tunnel_ports") or {})
