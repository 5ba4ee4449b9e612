"""vNICs of an instance, from its libvirt domain (OVS and Linux bridge hosts).

Per host and per scan: one ``virsh list`` and one ``virsh dumpxml <id>`` per running
domain, shared by every instance of that host (the original ran ``dumpxml`` for every
domain once per instance). The domain whose ``<uuid>`` is the instance's gives one
``vnic`` per ``<interface>``: ``<host>-<tap device>``, with the interface element's own
libvirt keys (``@type``, ``mac``, ``source``, ``target``, ``model`` ...), the MAC, the
source bridge (``qbr…`` hybrid, ``br-int`` OVS firewall, ``brq…`` Linux bridge; for a
``type='ethernet'`` tap the port's bound ``bridge_name``), and the
Neutron port and network of that MAC. The instance gets its first vNIC's MAC. A domain
that ended between ``virsh list`` and its ``dumpxml`` is left out.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.base import CliAccess, parsed
from calipso.fetchers.cli.parse.virsh import (
    Domain,
    DomainInterface,
    parse_virsh_dumpxml,
    parse_virsh_list,
)
from calipso.fetchers.cli.scope import PerHost, PortIndex, Ports, unless_gone

if TYPE_CHECKING:
    from calipso.sources import FetchContext

DOMAIN_GONE = "failed to get domain"
_LIBVIRT_NAME = re.compile(r"^instance-([0-9a-f]+)$")


class CliFetchInstanceVnics(CliAccess):
    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self._domains: PerHost[dict[str, Domain]] = PerHost(self._fetch_domains)
        self._ports = Ports(ctx)

    async def get(self, parent_id: str) -> list[Doc]:
        instance = await self._instance(parent_id)
        if instance is None or not instance.get("host"):
            return []
        domains = await self._domains.get(instance["host"])
        domain = domains.get(str(instance.get("uuid") or instance["id"]))
        if domain is None:
            return []
        docs = self.shape(instance["host"], instance["id"], domain,
                          self._ports.index())
        if docs and instance.get("mac_address") != docs[0]["mac_address"]:
            await self.ctx.patch(instance["id"],
                               {"mac_address": docs[0]["mac_address"]})
        return docs

    async def _instance(self, parent_id: str) -> Doc | None:
        doc = await self.ctx.lookup(parent_id)
        if doc is not None and doc.get("type") == "vnics_folder":
            doc = await self.ctx.lookup(str(doc.get("parent_id")))
        return doc if doc is not None and doc.get("type") == "instance" else None

    async def _fetch_domains(self, host: str) -> dict[str, Domain]:
        listed = await self.read(host, "virsh list", parse_virsh_list)
        commands = [f"virsh dumpxml {d.id}" for d in listed if d.id is not None]
        texts = await asyncio.gather(*(unless_gone(self.run(host, command), DOMAIN_GONE)
                                       for command in commands))
        domains = [parsed(host, command, parse_virsh_dumpxml, text)
                   for command, text in zip(commands, texts, strict=True) if text is not None]
        return {d.uuid: d for d in domains}

    def shape(self, host: str, instance_id: str, domain: Domain,
              ports: PortIndex) -> list[Doc]:
        return shape_instance_vnics(host, instance_id, domain, ports)


def libvirt_db_id(name: str) -> int | None:
    """Nova's instances.id from a libvirt name ``instance-0000001c``."""
    match = _LIBVIRT_NAME.match(name)
    return int(match.group(1), 16) if match else None


def vnic_fields(host: str, instance_id: str, domain: Domain, iface: DomainInterface,
                ports: PortIndex) -> Doc:
    """The fields every instance vNIC carries, whatever its id."""
    port = ports.find(port_id=iface.interface_id, mac=iface.mac_address)
    return {
        **iface.raw, "vnic_type": "instance_vnic", "host": host, "instance_id": instance_id,
        "instance_db_id": libvirt_db_id(domain.name), "mac_address": iface.mac_address,
        "source_bridge": iface.source_bridge or _bound_bridge(port),
        "port_id": port["id"] if port else None,
        "network": port.get("network_id") if port else None,
    }


def _bound_bridge(port: Doc | None) -> str | None:
    """The bridge Neutron bound the port to (``binding:vif_details.bridge_name``): where
    os-vif plugs a ``type='ethernet'`` tap that libvirt's XML names no bridge for."""
    details = (port or {}).get("binding:vif_details")
    name = details.get("bridge_name") if isinstance(details, dict) else None
    return str(name) if name else None


def shape_instance_vnics(host: str, instance_id: str, domain: Domain,
                         ports: PortIndex) -> list[Doc]:
    """OVS / Linux bridge: one ``<host>-<tap>`` vnic per interface with a target device."""
    docs = []
    for iface in domain.interfaces:
        if not iface.target_dev:
            continue
        doc = vnic_fields(host, instance_id, domain, iface, ports)
        doc.update(id=f"{host}-{iface.target_dev}", name=iface.target_dev,
                   object_name=iface.target_dev)
        docs.append(doc)
    return docs
