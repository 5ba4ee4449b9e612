"""vnic-vconnector and vconnector-host_pnic: the members of each bridge (vConnector)."""

from __future__ import annotations

from collections import Counter

from calipso.inventory import Doc
from calipso.links.base import FindLinks, index


def interface_names(vconnector: Doc) -> list[str]:
    names = vconnector.get("interfaces_names")
    if isinstance(names, list):
        return [n for n in names if isinstance(n, str)]
    interfaces = vconnector.get("interfaces")
    return list(interfaces) if isinstance(interfaces, dict) else []


def interface_mac(vconnector: Doc, name: str) -> str | None:
    interfaces = vconnector.get("interfaces")
    interface = interfaces.get(name) if isinstance(interfaces, dict) else None
    return (interface or {}).get("mac_address") or None


class FindLinksForVconnectors(FindLinks):
    async def add_links(self) -> None:
        vconnectors = await self.objects("vconnector", ("interfaces", "interfaces_names",
                                                        "network"))
        vnics = await self.objects("vnic", ("mac_address", "network", "vnic_type"))
        vnic_by_id = index(vnics, "id")
        vnic_by_host_mac = index(vnics, "host", "mac_address")
        mac_count = Counter(v.get("mac_address") for v in vnics)
        vnic_by_mac = {v["mac_address"]: v for v in vnics
                       if v.get("mac_address") and mac_count[v["mac_address"]] == 1}
        pnic_by_name = index(await self.objects("host_pnic", ()), "host", "name")
        ovs_first = self.mechanism_drivers[:1] == ["OVS"]
        for vconnector in vconnectors:
            host = vconnector.get("host")
            networks: set[str] = set()
            pnics = []
            for name in interface_names(vconnector):
                vnic = vnic_by_id.get(f"{host}-{name}")
                mac = interface_mac(vconnector, name)
                if vnic is None and not ovs_first and mac:
                    vnic = vnic_by_host_mac.get((host, mac)) or vnic_by_mac.get(mac)
                if vnic is not None and not (ovs_first and
                                             vnic.get("vnic_type") == "vservice_vnic"):
                    # On OVS a namespace's port is an internal port of the vEdge:
                    # it links there (vnic-vedge), not to the bridge.
                    attributes = {"network": vnic["network"]} if vnic.get("network") else {}
                    if vnic.get("network"):
                        networks.add(vnic["network"])
                    await self.add_link(vnic, vconnector, vnic.get("mac_address"),
                                        attributes=attributes, host=vnic.get("host") or host)
                pnic = pnic_by_name.get((host, name.split(".", 1)[0]))
                if pnic is not None:
                    pnics.append(pnic)
            if len(networks) == 1:  # a bridge of several networks (br-int) has none
                await self.patch(vconnector, {"network": networks.pop()})
            network = vconnector.get("network")
            for pnic in pnics:
                await self.add_link(vconnector, pnic, pnic.get("name"), host=host,
                                    attributes={"network": network} if network else None)
