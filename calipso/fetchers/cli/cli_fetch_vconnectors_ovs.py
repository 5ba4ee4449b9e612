"""vConnectors of an Open vSwitch host: the Linux bridges between instances and OVS, and
without hybrid plug the OVS bridges themselves.

Per host, ``brctl show``: every Linux bridge (the hybrid-plug ``qbr…`` bridges) becomes
a ``vconnector`` ``<host>-<bridge>-<bridge id>`` named ``<host>-<bridge>``, with its
interfaces and the network of the port it plugs. An empty ``brctl show`` (bridge-utils
1.7 on a host without Linux bridges) is no bridge. Without hybrid plug (the
``openvswitch`` or ``noop`` firewall: the host's OVS agent reports ``ovs_hybrid_plug:
false``) the taps sit on ``br-int`` itself: then every OVS bridge of ``ovs-vsctl
list-br`` (``br-int``, the tunnel bridge ``br-tun``, provider bridges such as ``br-ex``)
is a vConnector ``<host>-<bridge>-<datapath id>`` with its interfaces (``ovs-vsctl
list-ifaces``, its own internal port first). The datapath id is the one OVS derives when
none is configured: ``0000`` and the bridge's MAC (``ip link show <bridge>``).

Each interface is matched to its Neutron port by the OVS ``external_ids:iface-id`` of
that interface (``ovs-vsctl --columns=name,external_ids list Interface``), else by the
port id in its name (``tap``/``qvb``/``qvo`` + the port id's first 11 characters); an
interface matched neither way (an uplink NIC, a patch port, a VXLAN device) has no MAC.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.base import CliAccess
from calipso.fetchers.cli.parse.brctl import LinuxBridge, parse_brctl_show
from calipso.fetchers.cli.parse.ip_address import parse_ip_link_show
from calipso.fetchers.cli.parse.ovs import parse_ovs_vsctl_list_ifaces
from calipso.fetchers.cli.parse.ovs_list import interface_ids, parse_ovs_vsctl_list
from calipso.fetchers.cli.scope import L2Agents, Ports, host_named

if TYPE_CHECKING:
    from calipso.sources import FetchContext

LIST_INTERFACES = "ovs-vsctl --columns=name,external_ids list Interface"
# instance taps, OVS hybrid veths, router ports + the first 11 characters of the port id
_PORT_DEVICE = re.compile(r"^(?:tap|qvb|qvo|qr-|qg-)(?P<tail>[0-9a-f]{8}-[0-9a-f]{2})$")


class CliFetchVconnectorsOvs(CliAccess):
    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self._agents = L2Agents(ctx)
        self._ports = Ports(ctx)

    async def get(self, parent_id: str) -> list[Doc]:
        name = await host_named(self.ctx, parent_id)
        if name is None:
            return []
        bridges = await self.read(name, "brctl show", parse_brctl_show)
        ports = self._ports.index().on_host(name)
        docs = shape_linux_bridges(name, bridges, ports, self.ctx.of_type("network"))
        agent = await self._agents.of(name) or {}
        if (agent.get("configurations") or {}).get("ovs_hybrid_plug") is False:
            docs.extend(await self._ovs_bridges(name, ports))
        mark_unrecognised(docs, known_bridges(agent), ("qbr",))
        return docs

    async def _ovs_bridges(self, host: str, ports: list[Doc]) -> list[Doc]:
        ids = interface_ids(await self.read(host, LIST_INTERFACES, parse_ovs_vsctl_list))
        docs = []
        for bridge in await self.read(host, "ovs-vsctl list-br", parse_ovs_vsctl_list_ifaces):
            ifaces = await self.read(host, f"ovs-vsctl list-ifaces {bridge}",
                                     parse_ovs_vsctl_list_ifaces)
            link = await self.read(host, f"ip link show {bridge}", parse_ip_link_show)
            dpid = datapath_id(link[0].mac_address if link else None)
            docs.append(shape_ovs_bridge(host, bridge, [bridge, *ifaces], dpid, ports, ids))
        return docs


def known_bridges(agent: Doc) -> set[str]:
    """The bridges the host's L2 agent names: integration, tunnel and provider bridges."""
    conf = agent.get("configurations") or {}
    mappings = conf.get("bridge_mappings")
    names = {str(conf.get("integration_bridge") or "br-int"),
             str(conf.get("tunnel_bridge") or "br-tun")}
    return names | ({str(b) for b in mappings.values()} if isinstance(mappings, dict) else set())


def mark_unrecognised(docs: list[Doc], known: set[str], prefixes: tuple[str, ...]) -> None:
    """A bridge that Neutron did not make (``virbr0``, ``docker0``, an operator's own) is
    still a vConnector, marked for the scan's summary."""
    for doc in docs:
        name = str(doc.get("bridge_name"))
        if name not in known and not name.startswith(prefixes):
            doc["unrecognised"] = [f"bridge {name!r}"]


def datapath_id(mac: str | None) -> str:
    """OVS's default datapath id: 16 hex digits, ``0000`` then the bridge MAC."""
    return "0000" + (mac or "00:00:00:00:00:00").replace(":", "").lower()


def port_of_interface(name: str, ports: list[Doc], iface_ids: dict[str, str]) -> Doc | None:
    """The Neutron port an interface plugs: by its OVS ``iface-id``, else by its name."""
    iface_id = iface_ids.get(name)
    if iface_id:
        return next((p for p in ports if p.get("id") == iface_id), None)
    match = _PORT_DEVICE.match(name)
    if match is None:
        return None
    return next((p for p in ports if str(p.get("id", "")).startswith(match["tail"])), None)


def _interfaces(names: tuple[str, ...] | list[str], ports: list[Doc],
                iface_ids: dict[str, str] | None = None) -> dict[str, Doc]:
    out = {}
    for ifname in names:
        port = port_of_interface(ifname, ports, iface_ids or {})
        out[ifname] = {"name": ifname, "mac_address": port.get("mac_address") if port else ""}
    return out


def bridge_network(bridge: str, ports: list[Doc], networks: list[Doc]) -> str | None:
    """The one network a ``qbr<port>`` or ``brq<network>`` bridge carries."""
    tail = bridge[3:]
    if not tail:
        return None
    if bridge.startswith("qbr"):
        port = next((p for p in ports if str(p.get("id", "")).startswith(tail)), None)
        return port.get("network_id") if port else None
    if bridge.startswith("brq"):
        return next((n["id"] for n in networks if str(n["id"]).startswith(tail)), None)
    return None


def shape_linux_bridges(host: str, bridges: list[LinuxBridge], ports: list[Doc],
                        networks: list[Doc]) -> list[Doc]:
    return [{
        "id": f"{host}-{b.name}-{b.bridge_id}", "name": f"{host}-{b.name}",
        "object_name": f"{host}-{b.name}", "host": host, "bridge_name": b.name,
        "bridge_id": b.bridge_id, "connector_type": "bridge",
        "stp_enabled": b.stp_enabled == "yes", "interfaces_names": list(b.interfaces),
        "interfaces": _interfaces(b.interfaces, ports),
        "network": bridge_network(b.name, ports, networks),
    } for b in bridges]


def shape_ovs_bridge(host: str, bridge: str, names: list[str], datapath_id: str,
                     ports: list[Doc], iface_ids: dict[str, str] | None = None) -> Doc:
    """An OVS bridge as a vConnector; ``names`` are its interfaces, its own included."""
    return {
        "id": f"{host}-{bridge}-{datapath_id}", "name": f"{host}-{bridge}",
        "object_name": f"{host}-{bridge}", "host": host, "bridge_name": bridge,
        "bridge_id": datapath_id, "connector_type": "bridge", "stp_enabled": False,
        "interfaces_names": names, "interfaces": _interfaces(names, ports, iface_ids),
        "network": None,
    }
