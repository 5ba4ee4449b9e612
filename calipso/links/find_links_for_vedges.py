"""vnic-vedge, vconnector-vedge, vedge-host_pnic: what each vEdge (OVS, VPP) port leads to.

A port named like a vNIC (``<host>-<port name>`` is a vNIC id) links that vNIC: the DHCP and
router interfaces, and with the openvswitch firewall (no hybrid plug) the instance tap that
sits directly on br-int. Otherwise the port leads to a bridge (OVS hybrid plug: port
``qvo<x>`` is the veth peer of ``qvb<x>`` in bridge ``qbr<x>``; OVS: the internal port named
like an OVS bridge stored as a vConnector, e.g. br-int without hybrid plug; VPP: the bridge
domain holding the port) and, failing that, to the host NIC of that name.

A Linux bridge vEdge (the agent) has no ports: every bridge of its host links to it.

A VPP bridge domain has several member ports, but one vconnector-vedge link (the key is
the two ends): the member with the highest port id (``sw_if_index``) names it. The
original kept whichever port came last in the vEdge's port order.
"""

from __future__ import annotations

from calipso.inventory import Doc
from calipso.links.base import FindLinks, index, pnic_state
from calipso.links.find_links_for_vconnectors import interface_mac, interface_names


def port_link_name(base: str, port: Doc) -> str:
    return f"{base}-{port['tag']}" if port.get("tag") not in (None, "") else base


class FindLinksForVedges(FindLinks):
    async def add_links(self) -> None:
        vedges = await self.objects("vedge", ("ports", "pnic"))
        vnic_by_id = index(await self.objects("vnic", ("mac_address", "network")), "id")
        vconnectors = await self.objects("vconnector", ("interfaces", "interfaces_names",
                                                        "network", "bridge_name"))
        vconnector_by_iface = {(v.get("host"), name): v
                               for v in vconnectors for name in interface_names(v)}
        vconnector_by_bridge = index(vconnectors, "host", "bridge_name")
        pnic_by_name = index(await self.objects("host_pnic", ("Link detected",)),
                             "host", "name")
        vpp = "VPP" in self.mechanism_drivers
        vpp_members: dict[tuple[str, str], tuple[int, Doc, Doc, Doc]] = {}
        if "LXB" in self.mechanism_drivers:
            await self._agent_bridges(vedges, vconnectors)
        for vedge in vedges:
            ports = vedge.get("ports")
            if not isinstance(ports, dict):
                continue
            for port in ports.values():
                if not isinstance(port, dict) or not port.get("name"):
                    continue
                vnic = vnic_by_id.get(f"{vedge.get('host')}-{port['name']}")
                if vnic is not None:
                    await self._vnic_link(vedge, port, vnic)
                    continue
                bridge = vconnector_by_bridge.get((vedge.get("host"), port["name"]))
                if bridge is not None and not vpp:
                    await self._bridge_link(vedge, port, bridge, port["name"])
                    continue
                await self._vconnector_link(vedge, port, vconnector_by_iface,
                                            vpp_members if vpp else None)
                await self._pnic_link(vedge, port, pnic_by_name)
        for _, vedge, port, vconnector in vpp_members.values():
            await self._bridge_link(vedge, port, vconnector, port["name"])

    async def _agent_bridges(self, vedges: list[Doc], vconnectors: list[Doc]) -> None:
        """Linux bridge: each bridge to the one vEdge of its host, named by the bridge."""
        by_host: dict[str, list[Doc]] = {}
        for vedge in vedges:
            by_host.setdefault(vedge.get("host", ""), []).append(vedge)
        for vconnector in vconnectors:
            on_host = by_host.get(vconnector.get("host", ""), [])
            if len(on_host) != 1 or on_host[0].get("ports"):
                continue
            network = vconnector.get("network")
            await self.add_link(vconnector, on_host[0],
                                vconnector.get("bridge_name") or vconnector.get("name"),
                                attributes={"network": network} if network else None,
                                host=vconnector.get("host"))

    async def _vnic_link(self, vedge: Doc, port: Doc, vnic: Doc) -> None:
        attributes = {"network": vnic["network"]} if vnic.get("network") else {}
        await self.add_link(
            vnic, vedge, port_link_name(f"{vnic.get('name')}-{vedge.get('name')}", port),
            attributes=attributes, host=vedge.get("host"),
            source_label=vnic.get("mac_address") or "", target_label=str(port.get("id", "")))

    async def _vconnector_link(self, vedge: Doc, port: Doc,
                               by_iface: dict[tuple[str, str], Doc],
                               vpp_members: dict[tuple[str, str], tuple[int, Doc, Doc, Doc]]
                               | None) -> None:
        """OVS: the qbr bridge of a qvo port. VPP: the bridge domain holding the port, kept
        in ``vpp_members`` when the port's number is the highest of that domain so far."""
        name = port["name"]
        if vpp_members is not None:
            iface = name
        elif name.startswith("qv"):
            iface = "qvb" + name[3:]
        else:
            return
        vconnector = by_iface.get((vedge.get("host"), iface))
        if vconnector is None:
            return
        if vpp_members is not None:
            key = (vconnector["id"], vedge["id"])
            number = int(port["id"]) if str(port.get("id", "")).isdigit() else -1
            if number >= vpp_members.get(key, (-2,))[0]:
                vpp_members[key] = (number, vedge, port, vconnector)
            return
        await self._bridge_link(vedge, port, vconnector, iface)

    async def _bridge_link(self, vedge: Doc, port: Doc, vconnector: Doc, iface: str) -> None:
        name = port["name"]
        attributes = {"mac_address": interface_mac(vconnector, iface) or "Unknown"}
        if vconnector.get("network"):
            attributes["network"] = vconnector["network"]
        await self.add_link(
            vconnector, vedge, port_link_name(f"port-{port.get('id', '')}", port),
            attributes=attributes, host=vedge.get("host"),
            source_label=iface, target_label=name)

    async def _pnic_link(self, vedge: Doc, port: Doc,
                         by_name: dict[tuple[str, str], Doc]) -> None:
        if vedge.get("pnic") and port["name"] != vedge["pnic"]:
            return
        pnic = by_name.get((vedge.get("host"), port["name"]))
        if pnic is None:
            return
        await self.add_link(vedge, pnic, f"Port-{port.get('id', '')}", state=pnic_state(pnic),
                            host=vedge.get("host"))
