"""host_pnic-network, host_pnic-switch_pnic, switch-switch_pnic, switch_pnic-switch_pnic:
the physical layer, from host NICs to the networks they carry and to the fabric switches."""

from __future__ import annotations

import re
from collections import defaultdict

from calipso.inventory import Doc
from calipso.links.base import FindLinks, index, pnic_state

_IF_TAIL = re.compile(r"(eth.*)$")
OVERLAYS = frozenset({"vxlan", "gre", "geneve"})


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
        networks = index(await self.objects("network", ("provider:segmentation_id",
                                                        "provider:network_type")), "id")
        overlay, provider = await self._carriers()
        for pnic in pnics:
            host = pnic.get("host")
            for network_id in sorted(networks_of_host.get(host, ())):
                network = networks.get(network_id)
                if network is None:
                    self.skip("port network not found")
                    continue
                kind = network.get("provider:network_type") or self.ctx.env.type_drivers
                if pnic["id"] not in (overlay if kind in OVERLAYS else provider):
                    continue
                segment = network.get("provider:segmentation_id")
                await self.add_link(
                    pnic, network, f"Segment-{segment}" if "provider:segmentation_id" in
                    network else "Segment-None",
                    state=pnic_state(pnic), attributes={"network": network_id}, host=host,
                    source_label=f"port-{pnic['port_id']}" if pnic.get("port_id") else "")

    async def _carriers(self) -> tuple[set[str], set[str]]:
        """The host NICs that carry overlay traffic (holding the tunnel address, directly
        or under the OTEP's bridge) and those that carry VLAN / flat traffic (a vEdge's
        uplink, or under a bridge of a network)."""
        otep_bridges = {link["target_id"] for link in await self.found_links("otep-vconnector")}
        overlay = {link["target_id"] for link in await self.found_links("otep-host_pnic")}
        provider = {link["target_id"] for link in await self.found_links("vedge-host_pnic")}
        for link in await self.found_links("vconnector-host_pnic"):
            if link["source_id"] in otep_bridges:
                overlay.add(link["target_id"])
            elif (link.get("attributes") or {}).get("network"):
                provider.add(link["target_id"])
        return overlay, provider

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
