"""vnic-vedge, vconnector-vedge, vedge-host_pnic: what each vEdge (OVS, VPP) port leads to.

A port named like a vNIC (``<host>-<port name>`` is a vNIC id) links that vNIC: the DHCP and
router interfaces, and with the openvswitch firewall (no hybrid plug) the instance tap that
sits directly on br-int. Otherwise the port leads to a bridge (OVS hybrid plug: port
``qvo<x>`` is the veth peer of ``qvb<x>`` in bridge ``qbr<x>``; VPP: the bridge domain
holding the port) and, failing that, to the host NIC of that name.
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
                                                        "network"))
        vconnector_by_iface = {(v.get("host"), name): v
                               for v in vconnectors for name in interface_names(v)}
        pnic_by_name = index(await self.objects("host_pnic", ("Link detected",)),
                             "host", "name")
        vpp = "VPP" in self.mechanism_drivers
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
                await self._vconnector_link(vedge, port, vconnector_by_iface, vpp)
                await self._pnic_link(vedge, port, pnic_by_name)

    async def _vnic_link(self, vedge: Doc, port: Doc, vnic: Doc) -> None:
        attributes = {"network": vnic["network"]} if vnic.get("network") else {}
        await self.add_link(
            vnic, vedge, port_link_name(f"{vnic.get('name')}-{vedge.get('name')}", port),
            attributes=attributes, host=vedge.get("host"),
            source_label=vnic.get("mac_address") or "", target_label=str(port.get("id", "")))

    async def _vconnector_link(self, vedge: Doc, port: Doc,
                               by_iface: dict[tuple[str, str], Doc], vpp: bool) -> None:
        name = port["name"]
        if vpp:
            iface = name
        elif name.startswith("qv"):
            iface = "qvb" + name[3:]
        else:
            return
        vconnector = by_iface.get((vedge.get("host"), iface))
        if vconnector is None:
            return
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
