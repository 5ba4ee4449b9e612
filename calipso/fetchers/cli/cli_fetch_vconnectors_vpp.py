"""vConnectors of a VPP host: its L2 bridge domains (``vppctl show mode``).

Every ``l2 bridge IFACE bd_id N`` line puts IFACE in bridge domain N; each domain is a
``vconnector`` ``<host>-vconnector-<N>`` named ``bridge-domain-<N>``, with its members'
index, link state, hardware and MAC from one ``vppctl show hardware-interfaces``, and
the network of the Neutron ports whose MACs its members carry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.base import CliAccess
from calipso.fetchers.cli.parse.vpp import (
    VppHardwareInterface,
    VppMode,
    parse_vppctl_show_hardware,
    parse_vppctl_show_mode,
)
from calipso.fetchers.cli.scope import Ports, host_named

if TYPE_CHECKING:
    from calipso.sources import FetchContext


class CliFetchVconnectorsVpp(CliAccess):
    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self._ports = Ports(ctx)

    async def get(self, parent_id: str) -> list[Doc]:
        name = await host_named(self.ctx, parent_id)
        if name is None:
            return []
        modes = await self.read(name, "vppctl show mode", parse_vppctl_show_mode)
        if not any(m.kind == "bridge" for m in modes):
            return []
        hardware = await self.read(name, "vppctl show hardware-interfaces",
                                   parse_vppctl_show_hardware)
        return shape_bridge_domains(name, modes, hardware, self._ports.index().on_host(name))


def shape_bridge_domains(host: str, modes: list[VppMode], hardware: list[VppHardwareInterface],
                         ports: list[Doc]) -> list[Doc]:
    details = {h.name: h for h in hardware}
    by_mac = {p.get("mac_address"): p for p in ports}
    domains: dict[int, list[str]] = {}
    for mode in modes:
        if mode.kind == "bridge" and mode.bd_id is not None:
            domains.setdefault(mode.bd_id, []).append(mode.interface)
    docs = []
    for bd_id, members in domains.items():
        interfaces: dict[str, Doc] = {}
        networks: list[str] = []
        for member in members:
            hw = details.get(member)
            interfaces[member] = {
                "name": member, "id": str(hw.index) if hw else None,
                "state": hw.link if hw else None, "hardware": hw.hardware if hw else None,
                "mac_address": hw.mac_address if hw else None}
            port = by_mac.get(hw.mac_address) if hw and hw.mac_address else None
            if port is not None and port.get("network_id") not in networks:
                networks.append(port["network_id"])
        name = f"bridge-domain-{bd_id}"
        docs.append({
            "id": f"{host}-vconnector-{bd_id}", "name": name, "object_name": name,
            "host": host, "bd_id": str(bd_id), "bridge_name": name, "bridge_id": str(bd_id),
            "connector_type": "bridge", "stp_enabled": False, "interfaces_names": members,
            "interfaces": interfaces, "network": networks[0] if len(networks) == 1 else None,
        })
    return docs
