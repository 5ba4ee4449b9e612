"""host_pnic-network, host_pnic-switch_pnic, switch-switch_pnic, switch_pnic-switch_pnic:
the physical layer, from host NICs to the networks they carry and to the fabric switches."""

from __future__ import annotations

import re
from collections import defaultdict

from calipso.inventory import Doc
from calipso.links.base import FindLinks, index, pnic_state

_IF_TAIL = re.compile(r"(eth.*)$")


class FindLinksForPnics(FindLinks):
    async def add_links(self) -> None:
        pnics = await self.objects("host_pnic", ("Link detected", "port_id", "mac_address"))
        await self._network_links(pnics)
        switch_pnics = await self.objects("switch_pnic", ("parent_id", "role", "connected_to",
                                                          "switch", "object_name",
                                                          "mac_address"))
        if not switch_pnics:
            return
        by_mac = index(switch_pnics, "mac_address")
        for pnic in pnics:
            switch_pnic = by_mac.get(pnic.get("mac_address"))
            if switch_pnic is not None:
                await self.add_link(pnic, switch_pnic,
                                    f"{pnic.get('host')}-{switch_pnic.get('parent_id')}",
                                    state=pnic_state(pnic), host=pnic.get("host"))
        await self._switch_links(switch_pnics)

    async def _network_links(self, pnics: list[Doc]) -> None:
        ports = await self.objects("port", ("binding:host_id", "network_id"))
        networks_of_host: dict[str, set[str]] = defaultdict(set)
        for port in ports:
            if port.get("binding:host_id") and port.get("network_id"):
                networks_of_host[port["binding:host_id"]].add(port["network_id"])
        networks = index(await self.objects("network", ("provider:segmentation_id",)), "id")
        if self.ctx.env.type_drivers == "vlan":
            # On VLAN only the NICs an OVS / VPP vEdge sends tenant traffic through.
            carrying = {link["target_id"] for link in await self._found("vedge-host_pnic")}
            pnics = [p for p in pnics if p["id"] in carrying]
        for pnic in pnics:
            host = pnic.get("host")
            for network_id in sorted(networks_of_host.get(host, ())):
                network = networks.get(network_id)
                if network is None:
                    self.skip("port network not found")
                    continue
                segment = network.get("provider:segmentation_id")
                await self.add_link(
                    pnic, network, f"Segment-{segment}" if "provider:segmentation_id" in
                    network else "Segment-None",
                    state=pnic_state(pnic), attributes={"network": network_id}, host=host,
                    source_label=f"port-{pnic['port_id']}" if pnic.get("port_id") else "")

    async def _found(self, link_type: str) -> list[Doc]:
        """Links of ``link_type`` found earlier in this run; on a finder run on its own,
        the stored ones."""
        found = [link for link in self.links.found() if link["link_type"] == link_type]
        if found or self.links.count:
            return found
        cursor = self.ctx.db.links.find({"environment": self.env, "link_type": link_type},
                                        {"target_id": 1})
        return [doc async for doc in cursor]

    async def _switch_links(self, switch_pnics: list[Doc]) -> None:
        pnic_by_id = index(switch_pnics, "id")
        switches = index(await self.objects("switch", ("object_name",)), "id")
        for pnic in switch_pnics:
            switch = switches.get(pnic.get("parent_id"))
            if switch is not None:
                await self.add_link(switch, pnic,
                                    f"{switch.get('object_name')}={pnic.get('object_name')}",
                                    switch=switch["id"])
            if pnic.get("role") != "uplink":
                continue
            peer = pnic_by_id.get(pnic.get("connected_to"))
            if peer is None:
                continue
            tail = _IF_TAIL.search(pnic["id"])
            name = tail.group(1).replace("__", "/") if tail else pnic["id"]
            await self.add_link(pnic, peer, name, switch=pnic.get("switch"))
