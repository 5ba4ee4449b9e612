"""Physical NICs of a network or compute host.

Per host: ``ls -l /sys/class/net`` names the physical NICs (links not under
``/devices/virtual/``), one ``ip address show`` describes every interface, and
``ethtool <nic>`` runs once per physical NIC. Each NIC becomes a ``host_pnic``
``<name>-<MAC>`` with its addresses, ``state`` (UP/DOWN), raw ``data`` and every ethtool
attribute (``Speed``, ``Duplex``, ``Link detected`` ...).
"""

from __future__ import annotations

import asyncio

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.base import CliAccess, parsed
from calipso.fetchers.cli.parse.ethtool import EthtoolSettings, parse_ethtool
from calipso.fetchers.cli.parse.ip_address import Interface, parse_ip_address_show
from calipso.fetchers.cli.parse.sys_class_net import parse_sys_class_net
from calipso.fetchers.cli.scope import host_named


class CliFetchHostPnics(CliAccess):
    async def get(self, parent_id: str) -> list[Doc]:
        name = await host_named(self.ctx, parent_id)
        if name is None:
            return []
        nics = await self.read(name, "ls -l /sys/class/net", parse_sys_class_net)
        if not nics:
            return []
        interfaces = await self.read(name, "ip address show", parse_ip_address_show)
        settings = await asyncio.gather(*(self.run(name, f"ethtool {nic}") for nic in nics))
        return shape_host_pnics(name, nics, interfaces,
                                [parsed(name, f"ethtool {nic}", parse_ethtool, text)
                                 for nic, text in zip(nics, settings, strict=True)])


def pnic_fields(iface: Interface) -> Doc:
    """Addresses, state and raw lines of one interface, as host_pnic fields."""
    v6 = next((a for a in iface.ipv6 if a.scope == "global"), None)
    return {
        "mac_address": iface.mac_address,
        "IP Address": iface.ipv4[0].address if iface.ipv4 else None,
        "IPv6 Address": v6.with_prefix if v6 else None,
        "state": "UP" if iface.is_up else "DOWN",
        "data": "\n".join(iface.data),
    }


def shape_host_pnics(host: str, nics: list[str], interfaces: list[Interface],
                     settings: list[EthtoolSettings]) -> list[Doc]:
    by_name = {i.name: i for i in interfaces}
    docs = []
    for nic, ethtool in zip(nics, settings, strict=True):
        iface = by_name.get(nic)
        fields = pnic_fields(iface) if iface is not None else {"mac_address": None}
        mac = fields["mac_address"]
        doc: Doc = {**ethtool.attributes, **fields, "id": f"{nic}-{mac or 'unknown_mac'}",
                    "name": nic, "object_name": nic, "local_name": nic, "host": host}
        docs.append(doc)
    return docs
