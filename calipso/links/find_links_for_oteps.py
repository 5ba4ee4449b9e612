"""vedge-otep, otep-vconnector, otep-host_pnic: each tunnel endpoint to its vEdge, to the
bridge carrying its address, to every bridge holding a VXLAN port of its host (Linux
bridge: the brq bridges; OVS without hybrid plug: br-tun, a vConnector there) and to the
host NIC holding that address."""

from __future__ import annotations

from collections import defaultdict

from calipso.inventory import Doc
from calipso.links.base import FindLinks, index
from calipso.links.find_links_for_vconnectors import interface_names


class FindLinksForOteps(FindLinks):
    async def add_links(self) -> None:
        oteps = await self.objects("otep", ("parent_id", "parent_type", "ip_address",
                                            "vconnector"))
        vedges = await self.objects("vedge", ())
        vedge_by_id = index(vedges, "id")
        vedges_by_host: dict[str, list[Doc]] = defaultdict(list)
        for vedge in vedges:
            vedges_by_host[vedge.get("host", "")].append(vedge)
        vconnectors = await self.objects("vconnector", ("interfaces_names", "interfaces"))
        vconnector_by_id = index(vconnectors, "id")
        vconnector_by_name = index(vconnectors, "host", "name")
        vxlan_bridges: dict[str, list[Doc]] = defaultdict(list)
        if {"LXB", "OVS"} & set(self.mechanism_drivers):
            for vconnector in vconnectors:
                if any(n.startswith("vxlan") for n in interface_names(vconnector)):
                    vxlan_bridges[vconnector.get("host", "")].append(vconnector)
        pnic_by_ip = index(await self.objects("host_pnic", ("IP Address",)),
                           "host", "IP Address")
        for otep in oteps:
            host = otep.get("host")
            vedge = self._vedge_of(otep, vedge_by_id, vedges_by_host)
            if vedge is not None:
                await self.add_link(vedge, otep, f"{vedge.get('name')}-otep",
                                    host=vedge.get("host") or host)
            vconnector = vconnector_by_name.get((host, otep.get("vconnector")))
            if vconnector is None and otep.get("parent_type") == "vconnector":
                vconnector = vconnector_by_id.get(otep.get("parent_id"))
            bridges = [vconnector] if vconnector is not None else []
            bridges += [b for b in vxlan_bridges.get(host or "", ()) if b is not vconnector]
            for bridge in bridges:
                await self.add_link(otep, bridge, f"{otep.get('name')}-{bridge.get('name')}",
                                    host=host)
            pnic = pnic_by_ip.get((host, otep.get("ip_address")))
            if pnic is not None:
                await self.add_link(otep, pnic, f"{host}pnic{pnic.get('name')}", host=host)

    def _vedge_of(self, otep: Doc, by_id: dict[str, Doc],
                  by_host: dict[str, list[Doc]]) -> Doc | None:
        """The OTEP's parent when it is a vEdge (OVS, VPP); for an OTEP under a bridge
        (Linux bridge) the one vEdge of its host, if there is exactly one."""
        parent = by_id.get(otep.get("parent_id"))
        if parent is not None:
            return parent
        on_host = by_host.get(otep.get("host", ""), [])
        if len(on_host) == 1:
            return on_host[0]
        self.skip("no single vEdge for OTEP")
        return None
