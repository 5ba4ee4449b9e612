"""Physical NICs of a VPP host: the vEdge's hardware ports (``…GigabitEthernet…``).

Per NIC ``vppctl show hardware-interfaces <nic>`` (MAC, link; the vConnector fetcher lists
all interfaces) and per host one ``vppctl show int addr`` (addresses). Each NIC is a
``host_pnic`` ``<host>-pnic-<name>`` under the vEdge's pNICs folder.
"""

from __future__ import annotations

import logging
import re

from calipso.errors import ParseError
from calipso.fetchers.base import Doc
from calipso.fetchers.cli.base import CliAccess
from calipso.fetchers.cli.parse.vpp import (
    VppHardwareInterface,
    VppInterfaceAddresses,
    parse_vppctl_show_hardware,
    parse_vppctl_show_int_addr,
)

log = logging.getLogger(__name__)
PHYSICAL = re.compile(r"^[a-zA-Z]*GigabitEthernet[^.]*$")


class CliFetchHostPnicsVpp(CliAccess):
    async def get(self, parent_id: str) -> list[Doc]:
        folder = await self.ctx.lookup(parent_id)
        vedge = await self.ctx.lookup(str(folder.get("parent_id"))) if folder else None
        if vedge is None or vedge.get("type") != "vedge" or not vedge.get("host"):
            return []
        names = [n for n in vedge.get("ports") or {} if PHYSICAL.match(n)]
        if not names:
            return []
        host = str(vedge["host"])
        hardware = [hw for name in names for hw in await self.read(
            host, f"vppctl show hardware-interfaces {name}", parse_vppctl_show_hardware)]
        return shape_vpp_pnics(host, names, hardware, await self._addresses(host))

    async def _addresses(self, host: str) -> list[VppInterfaceAddresses]:
        """Interface addresses; a VPP that cannot list them costs the IPs, not the NICs."""
        text = await self.run(host, "vppctl show int addr")
        try:
            return parse_vppctl_show_int_addr(text)
        except ParseError as err:
            log.warning("vpp addresses unreadable", extra={"host": host, "error": str(err)})
            return []


def shape_vpp_pnics(host: str, names: list[str], hardware: list[VppHardwareInterface],
                    addresses: list[VppInterfaceAddresses]) -> list[Doc]:
    details = {h.name: h for h in hardware}
    addrs = {a.name: a for a in addresses}
    docs = []
    for name in names:
        hw, addr = details.get(name), addrs.get(name)
        state = hw.link if hw else None
        v4 = addr.ipv4[0].split("/")[0] if addr and addr.ipv4 else None
        v6 = next((a for a in addr.ipv6 if not a.startswith("fe80:")), None) if addr else None
        docs.append({
            "id": f"{host}-pnic-{name}", "name": name, "object_name": name,
            "local_name": name, "host": host, "mac_address": hw.mac_address if hw else None,
            "state": state, "Link detected": "yes" if state == "up" else "no",
            "IP Address": v4, "IPv6 Address": v6,
            "hardware": hw.hardware if hw else None, "data": "\n".join(hw.details) if hw else "",
        })
    return docs
