"""Bonds of a network or compute host, as ``host_pnic`` documents.

Per host: ``ls -1 /proc/net/bonding/`` (a missing directory means no bonds), then per bond
``cat /proc/net/bonding/<bond>`` and ``ip link show <bond>`` (its MAC and state). A bond
is ``<bond>-<MAC>`` with ``EtherChannel: true``, every key of its bonding file (nested
"... info" sections as dicts) and ``members``: per slave its name, MAC, host_pnic id and
attributes. The slaves' own host_pnic documents, found just before, get
``EtherChannel: true`` and ``EtherChannel Master``.
"""

from __future__ import annotations

import asyncio

from calipso.errors import SshError
from calipso.fetchers.base import Doc
from calipso.fetchers.cli.base import CliAccess, parsed
from calipso.fetchers.cli.cli_fetch_host_pnics import pnic_fields
from calipso.fetchers.cli.parse.bonding import Bond, parse_bonding_list, parse_proc_net_bonding
from calipso.fetchers.cli.parse.ip_address import Interface, parse_ip_link_show
from calipso.fetchers.cli.scope import docs_on_host, host_named

LIST_BONDS = "ls -1 /proc/net/bonding/"


class CliFetchBondHostPnics(CliAccess):
    async def get(self, parent_id: str) -> list[Doc]:
        name = await host_named(self.ctx, parent_id)
        if name is None:
            return []
        try:
            listing = await self.run(name, LIST_BONDS)
        except SshError as err:
            if "No such file or directory" in (err.stderr_tail or err.detail):
                return []
            raise
        bonds = parsed(name, LIST_BONDS, parse_bonding_list, listing)
        if not bonds:
            return []
        files = await asyncio.gather(*(self.run(name, f"cat /proc/net/bonding/{b}")
                                       for b in bonds))
        links = await asyncio.gather(*(self.run(name, f"ip link show {b}") for b in bonds))
        pnics = {d["name"]: d for d in docs_on_host(self.ctx, "host_pnic", name)}
        docs = []
        for bond_name, text, link in zip(bonds, files, links, strict=True):
            iface = next((i for i in parsed(name, f"ip link show {bond_name}", parse_ip_link_show,
                                             link) if i.name == bond_name), None)
            bond = parsed(name, f"cat /proc/net/bonding/{bond_name}", parse_proc_net_bonding,
                          text)
            doc = shape_bond(name, bond_name, bond, iface, pnics)
            for member in doc["members"].values():
                if member["name"] in pnics:
                    await self.ctx.patch(pnics[member["name"]]["id"], {
                        "EtherChannel": True, "EtherChannel Master": bond_name})
            docs.append(doc)
        return docs


def shape_bond(host: str, name: str, bond: Bond, iface: Interface | None,
               pnics: dict[str, Doc]) -> Doc:
    """One bond's host_pnic document; ``pnics`` are the host's NICs by name."""
    fields = pnic_fields(iface) if iface is not None else {"mac_address": None}
    members = {}
    for slave in bond.slaves:
        known = pnics.get(slave.name)
        mac = known["mac_address"] if known else slave.permanent_mac
        members[slave.name] = {
            **slave.attributes, "name": slave.name, "mac_address": mac,
            "id": known["id"] if known else f"{slave.name}-{mac or 'unknown_mac'}",
            "EtherChannel Master": name,
        }
    link = "yes" if (bond.mii_status or "").lower() == "up" else "no"
    return {
        **bond.attributes, **fields, "id": f"{name}-{fields['mac_address'] or 'unknown_mac'}",
        "name": name, "object_name": name, "local_name": name, "host": host,
        "EtherChannel": True, "members": members, "Link detected": link,
    }
