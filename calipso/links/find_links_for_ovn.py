"""Links of ML2/OVN vServices: what ovn-controller implements that no OVS port names.

- A logical router's port (``lrp-<port id>``, a vNIC of the router's vService on its
  gateway chassis' host) links to that host's vEdge: the chassis' ovn-controller routes
  for it.
- A metadata namespace's veth (``tap<network[:10]>1``) links to the vEdge of its host whose
  datapath port carries its Neutron port as OVS ``iface_id`` (the veth's other end,
  ``tap<network[:10]>0``, on the integration bridge).

- vservice-vedge: the DHCP a chassis' ovn-controller answers (``<host>-ovn-dhcp-<network>``,
  no vNIC) links to that host's vEdge, named ``<vservice name>-<vedge name>``, with the
  vService's network: its clique goes on from the vEdge to its network.

Instance taps on the integration bridge are named like their vNIC: ``FindLinksForVedges``
links those. Runs only for environments whose mechanism drivers include OVN.
"""

from __future__ import annotations

from collections import defaultdict

from calipso.inventory import Doc
from calipso.links.base import FindLinks

OVN_DHCP = "ovn-dhcp-"  # local_service_id of the DHCP a chassis' ovn-controller answers


class FindLinksForOvn(FindLinks):
    async def add_links(self) -> None:
        if "OVN" not in self.mechanism_drivers:
            return
        vedges_by_host: dict[str, list[Doc]] = defaultdict(list)
        for vedge in await self.objects("vedge", ("ports",)):
            vedges_by_host[vedge.get("host", "")].append(vedge)
        vnics = await self.objects("vnic", ("port_id", "network", "mac_address"),
                                   {"vnic_type": "vservice_vnic"})
        for vnic in vnics:
            on_host = vedges_by_host.get(vnic.get("host", ""), [])
            if str(vnic.get("name", "")).startswith("lrp-"):
                vedge = on_host[0] if len(on_host) == 1 else None
            else:
                vedge = next((v for v in on_host if _holds_port(v, vnic.get("port_id"))),
                             None)
            if vedge is None:
                self.skip("no vEdge for OVN vService vNIC")
                continue
            network = vnic.get("network")
            await self.add_link(vnic, vedge, f"{vnic.get('name')}-{vedge.get('name')}",
                                attributes={"network": network} if network else None,
                                host=vedge.get("host"),
                                source_label=vnic.get("mac_address") or "")
        for vservice in await self.objects("vservice", ("network", "local_service_id"),
                                           {"service_type": "dhcp"}):
            if not str(vservice.get("local_service_id", "")).startswith(OVN_DHCP):
                continue
            on_host = vedges_by_host.get(vservice.get("host", ""), [])
            if len(on_host) != 1:
                self.skip("no vEdge for OVN DHCP")
                continue
            vedge, networks = on_host[0], vservice.get("network") or []
            await self.add_link(vservice, vedge, f"{vservice.get('name')}-{vedge.get('name')}",
                                attributes={"network": networks[0]} if networks else None,
                                host=vedge.get("host"))


def _holds_port(vedge: Doc, port_id: object) -> bool:
    ports = vedge.get("ports")
    return bool(port_id) and isinstance(ports, dict) and any(
        isinstance(p, dict) and p.get("iface_id") == port_id for p in ports.values())
