"""vNICs of a network host's vServices: ``ip netns exec <ns> ip address show`` per namespace.

The namespaces are the host's vServices found just before in this scan (no second
``ip netns list``). Every interface but ``lo`` becomes a ``vnic`` ``<host>-<ifname>`` in
the dynamic folder ``<vservice id>-vnics``, with its MAC, IPv4 address, dotted netmask,
CIDR, IPv6 address, the network whose CIDRs hold that CIDR, and the Neutron port with
that MAC. A network found this way and missing from the vService's ``network`` list is
added to it. A namespace deleted since it was listed is skipped.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from calipso.fetchers.base import Doc, set_folder_parent
from calipso.fetchers.cli.base import CliAccess, parsed
from calipso.fetchers.cli.parse.ip_address import Interface, parse_ip_address_show
from calipso.fetchers.cli.scope import (
    NETWORK_HOSTS,
    PortIndex,
    Ports,
    docs_on_host,
    host_named,
    unless_gone,
)

if TYPE_CHECKING:
    from calipso.sources import FetchContext

NAMESPACE_GONE = "Cannot open network namespace"


class CliFetchVserviceVnics(CliAccess):
    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self._ports = Ports(ctx)

    async def get(self, parent_id: str) -> list[Doc]:
        host = await host_named(self.ctx, parent_id, NETWORK_HOSTS)
        if host is None:
            return []
        return await self.namespace_vnics(host, docs_on_host(self.ctx, "vservice", host))

    async def namespace_vnics(self, host: str, vservices: list[Doc]) -> list[Doc]:
        """The vNICs in the namespaces of ``vservices``, one command per namespace."""
        commands = [f"ip netns exec {vs['local_service_id']} ip address show"
                    for vs in vservices]
        outputs = await asyncio.gather(*(unless_gone(self.run(host, command), NAMESPACE_GONE)
                                         for command in commands))
        networks = self.ctx.of_type("network")
        ports = self._ports.index()
        docs: list[Doc] = []
        for vs, command, text in zip(vservices, commands, outputs, strict=True):
            if text is None:
                continue
            vnics = shape_vservice_vnics(host, vs["id"],
                                         parsed(host, command, parse_ip_address_show, text),
                                         networks, ports)
            await _add_networks(self, vs, vnics)
            docs.extend(vnics)
        return docs


async def _add_networks(fetcher: CliAccess, vservice: Doc, vnics: list[Doc]) -> None:
    known = list(vservice.get("network") or [])
    more = [v["network"] for v in vnics if v.get("network") and v["network"] not in known]
    if more:
        await fetcher.ctx.patch(vservice["id"], {"network": known + list(
            dict.fromkeys(more))})


def network_of_cidr(cidr: str | None, networks: list[Doc]) -> str | None:
    """The one network with ``cidr``; None when none has it or several do (projects
    commonly reuse the same private ranges)."""
    if cidr is None:
        return None
    found = [n["id"] for n in networks if cidr in (n.get("cidrs") or [])]
    return found[0] if len(found) == 1 else None


def shape_vservice_vnics(host: str, vservice_id: str, interfaces: list[Interface],
                         networks: list[Doc], ports: PortIndex) -> list[Doc]:
    """vnic documents for the interfaces of one vService namespace."""
    docs = []
    for iface in interfaces:
        if iface.link_type == "loopback" or iface.name == "lo":
            continue
        v4 = iface.ipv4[0] if iface.ipv4 else None
        v6 = next((a for a in iface.ipv6 if a.scope == "global"),
                  iface.ipv6[0] if iface.ipv6 else None)
        port = ports.find(mac=iface.mac_address)
        cidr = v4.cidr if v4 else None
        # the Neutron port (matched by MAC) names the network; a CIDR only when no port
        network = (port or {}).get("network_id") or network_of_cidr(cidr, networks)
        doc: Doc = {
            "id": f"{host}-{iface.name}", "name": iface.name, "object_name": iface.name,
            "vnic_type": "vservice_vnic", "host": host, "mac_address": iface.mac_address,
            "IP Address": v4.address if v4 else None, "netmask": v4.netmask if v4 else None,
            "cidr": cidr, "IPv6 Address": v6.with_prefix if v6 else None,
            "network": network, "port_id": port["id"] if port else None,
            "data": "\n".join(iface.data),
        }
        set_folder_parent(doc, "vnic", master_parent_type="vservice",
                          master_parent_id=vservice_id, parent_objects_name="vnics",
                          parent_text="vNICs")
        docs.append(doc)
    return docs
