"""vConnectors of an Open vSwitch host: the Linux bridges between instances and OVS.

Per host, ``brctl show``: every Linux bridge (the hybrid-plug ``qbr…`` bridges) becomes
a ``vconnector`` ``<host>-<bridge>-<bridge id>`` named ``<host>-<bridge>``, with its
interfaces (MACs from the Neutron ports bound to the host whose id starts with the
interface name's tail) and the network of the port it plugs. Without hybrid plug (the
``openvswitch`` firewall, the host's OVS agent reports ``ovs_hybrid_plug: false``) the
taps sit on ``br-int`` itself, which is then the host's one vConnector
``<host>-br-int-<datapath id>`` with its interfaces (``ovs-vsctl list-ifaces br-int`` and
its own internal port; the vEdge fetcher reads ``ovs-vsctl show``). The datapath id is
the one OVS derives when none is configured: ``0000`` and the bridge's MAC (``ip link
show br-int``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.base import CliAccess
from calipso.fetchers.cli.parse.brctl import LinuxBridge, parse_brctl_show
from calipso.fetchers.cli.parse.ip_address import parse_ip_link_show
from calipso.fetchers.cli.parse.ovs import parse_ovs_vsctl_list_ifaces
from calipso.fetchers.cli.scope import L2Agents, Ports, host_named

if TYPE_CHECKING:
    from calipso.sources import FetchContext

INTEGRATION_BRIDGE = "br-int"


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
            docs.append(await self._integration_bridge(name, agent, ports))
        return docs

    async def _integration_bridge(self, host: str, agent: Doc, ports: list[Doc]) -> Doc:
        bridge = (agent.get("configurations") or {}).get("integration_bridge") \
            or INTEGRATION_BRIDGE
        ifaces = await self.read(host, f"ovs-vsctl list-ifaces {bridge}",
                                 parse_ovs_vsctl_list_ifaces)
        link = await self.read(host, f"ip link show {bridge}", parse_ip_link_show)
        dpid = datapath_id(link[0].mac_address if link else None)
        return shape_ovs_bridge(host, bridge, [bridge, *ifaces], dpid, ports)


def datapath_id(mac: str | None) -> str:
    """OVS's default datapath id: 16 hex digits, ``0000`` then the bridge MAC."""
    return "0000" + (mac or "00:00:00:00:00:00").replace(":", "").lower()


def _interfaces(names: tuple[str, ...] | list[str], ports: list[Doc]) -> dict[str, Doc]:
    out = {}
    for ifname in names:
        tail = ifname[3:]
        port = next((p for p in ports if tail and str(p.get("id", "")).startswith(tail)), None)
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
                     ports: list[Doc]) -> Doc:
    """An OVS bridge as a vConnector; ``names`` are its interfaces, its own included."""
    return {
        "id": f"{host}-{bridge}-{datapath_id}", "name": f"{host}-{bridge}",
        "object_name": f"{host}-{bridge}", "host": host, "bridge_name": bridge,
        "bridge_id": datapath_id, "connector_type": "bridge", "stp_enabled": False,
        "interfaces_names": names, "interfaces": _interfaces(names, ports), "network": None,
    }
