"""vservice-vnic: each DHCP / router namespace (ML2/OVN: logical router, metadata
namespace) to its interfaces."""

from __future__ import annotations

from calipso.inventory import Doc
from calipso.links.base import FindLinks, index


def runs_network_services(host: Doc | None) -> bool:
    """False only for a known host whose ``host_type`` lacks Network."""
    if host is None or not isinstance(host.get("host_type"), list):
        return True
    return "Network" in host["host_type"]


class FindLinksForVserviceVnics(FindLinks):
    async def add_links(self) -> None:
        vnics = await self.objects("vnic", ("parent_id", "network", "object_name"),
                                   {"vnic_type": "vservice_vnic"})
        hosts = index(await self.objects("host", ("host_type",)), "id")
        networks = index(await self.objects("network", ()), "id")
        vservices = index(await self.objects("vservice", ("object_name",)), "id")
        ovn = "OVN" in self.mechanism_drivers  # metadata namespaces on computes too
        for vnic in vnics:
            if not ovn and not runs_network_services(hosts.get(vnic.get("host"))):
                self.skip("host is not a Network host")
                continue
            parent_id = str(vnic.get("parent_id", ""))
            vservice = vservices.get(parent_id.rsplit("-", 1)[0])
            if vservice is None:
                self.skip("vService not found")
                continue
            network_id = vnic.get("network")
            network = networks.get(network_id) if network_id else None
            if network is not None:
                name = network.get("name")
            else:
                name = (f"{vservice.get('object_name') or vservice.get('name')}-"
                        f"{vnic.get('object_name') or vnic.get('name')}")
            attributes = {"network": network_id} if network_id else {}
            await self.add_link(vservice, vnic, name, attributes=attributes,
                                host=vnic.get("host"))
