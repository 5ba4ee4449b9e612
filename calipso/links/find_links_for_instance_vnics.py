"""instance-vnic: each instance vNIC to its instance; the vNIC learns its network."""

from __future__ import annotations

from calipso.inventory import Doc
from calipso.links.base import FindLinks, index

VM_HOST_TYPES = frozenset({"Compute", "Network"})


def host_runs_vms(host: Doc | None) -> bool:
    """False only for a known host whose ``host_type`` says it runs neither role."""
    if host is None or not isinstance(host.get("host_type"), list):
        return True
    return bool(VM_HOST_TYPES.intersection(host["host_type"]))


def vif_of(vnic: Doc, network_info: list[Doc]) -> Doc | None:
    """The instance's Nova VIF for this vNIC: by ``<host>-<devname>`` = vNIC id, else MAC."""
    for vif in network_info:
        if f"{vnic.get('host')}-{vif.get('devname')}" == vnic["id"]:
            return vif
    mac = vnic.get("mac_address")
    if mac:
        for vif in network_info:
            if vif.get("address") == mac:
                return vif
    return None


class FindLinksForInstanceVnics(FindLinks):
    async def add_links(self) -> None:
        vnics = await self.objects("vnic", ("instance_id", "mac_address", "network"),
                                   {"vnic_type": "instance_vnic"})
        instances = index(await self.objects("instance", ("network_info",)), "id")
        hosts = index(await self.objects("host", ("host_type",)), "id")
        for vnic in vnics:
            instance = instances.get(vnic.get("instance_id"))
            if instance is None:
                self.skip("instance not found")
                continue
            network_info = instance.get("network_info")
            if not isinstance(network_info, list):
                self.skip("instance without network_info")
                continue
            host_name = instance.get("host") or vnic.get("host")
            if not host_runs_vms(hosts.get(host_name)):
                self.skip("host is neither Compute nor Network")
                continue
            vif = vif_of(vnic, network_info)
            network = (vif or {}).get("network") or {}
            attributes = {"network": network["id"]} if network.get("id") else {}
            if attributes:
                await self.patch(vnic, {"network": network["id"]})
            await self.add_link(instance, vnic, network.get("label"),
                                attributes=attributes, host=host_name)
