"""The vEdge of an Open vSwitch host (its OVS agent and datapath) or of a Linux bridge host.

The agent row comes from one Neutron ``/v2.0/agents`` listing per scan (every field of
it, ``configurations`` included: ``tunneling_ip``, ``tunnel_types``, ``bridge_mappings``
...). Per host, ``ovs-dpctl show`` (``ovs-appctl dpctl/show`` for the userspace datapath
the agent reports as ``datapath_type: netdev``) gives the datapath ports (``ports``: name → ``id``
(port number), ``internal``, and the local VLAN ``tag`` that ``ovs-vsctl show`` prints)
and ``ovs-vsctl show`` the tunnel ports of the tunnel bridge (``tunnel_ports``: name →
``interface``, ``type``, ``options``). For each bridge of ``bridge_mappings`` the physical
NIC on it is the vEdge's ``pnic``, and that host_pnic gets the datapath ``port_id``.

A Linux bridge host's vEdge is its Linux bridge agent (``<host>-LXB``, no command run):
the original had none, and hung the host's OTEPs and links off a vConnector instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.base import CliAccess
from calipso.fetchers.cli.parse.ovs import (
    DatapathPort,
    OvsShow,
    parse_ovs_dpctl_show,
    parse_ovs_vsctl_show,
)
from calipso.fetchers.cli.scope import L2Agents, docs_on_host, host_named

if TYPE_CHECKING:
    from calipso.sources import FetchContext

LXB_AGENT = "Linux bridge agent"
# Agent fields not copied: those the inventory writer owns (created_at: first seen) and the
# heartbeat, which would rewrite every vEdge at every scan of an unchanged cloud.
LEFT_OUT_AGENT_FIELDS = frozenset({"created_at", "_id", "heartbeat_timestamp"})
TUNNEL_TYPES = frozenset({"vxlan", "gre", "geneve", "stt", "lisp", "erspan"})


class CliFetchVedgesOvs(CliAccess):
    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self._agents = L2Agents(ctx)

    async def get(self, parent_id: str) -> list[Doc]:
        name = await host_named(self.ctx, parent_id)
        if name is None:
            return []
        agent = await self._agents.of(name)
        if agent is None:
            return []
        if agent.get("agent_type") == LXB_AGENT:
            return [shape_vedge_lxb(name, agent)]
        show = await self.read(name, "ovs-vsctl show", parse_ovs_vsctl_show)
        datapath = await self.read(name, datapath_command(agent), parse_ovs_dpctl_show)
        doc = shape_vedge_ovs(name, agent, show, datapath)
        await self.mark_uplink(name, agent, show, datapath, doc)
        return [doc]

    async def mark_uplink(self, host: str, agent: Doc, show: OvsShow,
                          datapath: list[DatapathPort], doc: Doc) -> None:
        """The physical NIC on a mapped bridge becomes the vEdge's ``pnic``; that NIC
        gets its datapath ``port_id``."""
        pnics = {d["name"]: d for d in docs_on_host(self.ctx, "host_pnic", host)}
        uplinks = uplink_ports(agent, show)
        for port in datapath:
            if port.name in uplinks and port.name in pnics:
                doc["pnic"] = port.name
                await self.ctx.patch(pnics[port.name]["id"],
                                     {"port_id": str(port.port_no)})


def datapath_command(agent: Doc) -> str:
    """``ovs-dpctl`` sees kernel datapaths only: a userspace (``netdev``) one, as on DPDK
    hosts, is listed by ovs-vswitchd itself."""
    kind = (agent.get("configurations") or {}).get("datapath_type")
    return "ovs-appctl dpctl/show" if kind == "netdev" else "ovs-dpctl show"


def uplink_ports(agent: Doc, show: OvsShow) -> set[str]:
    """Ports of the ``bridge_mappings`` bridges that are neither the bridge nor a patch."""
    mappings = (agent.get("configurations") or {}).get("bridge_mappings") or {}
    names: set[str] = set()
    for bridge_name in mappings.values():
        bridge = show.bridge(str(bridge_name))
        if bridge is None:
            continue
        for port in bridge.ports:
            kinds = {i.type for i in port.interfaces}
            if port.name != bridge.name and not kinds & {"patch", "internal"}:
                names.add(port.name)
    return names


def agent_fields(agent: Doc) -> Doc:
    return {k: v for k, v in agent.items() if k not in LEFT_OUT_AGENT_FIELDS}


def shape_vedge_lxb(host: str, agent: Doc) -> Doc:
    """A Linux bridge host's vEdge: its agent; no datapath ports of its own."""
    return {**agent_fields(agent), "id": agent["id"], "name": f"{host}-LXB",
            "object_name": f"{host}-LXB", "host": host,
            "configurations": agent.get("configurations") or {}, "ports": {},
            "tunnel_ports": {}}


def shape_vedge_ovs(host: str, agent: Doc, show: OvsShow,
                    datapath: list[DatapathPort], label: str = "OVS") -> Doc:
    """``label``: OVS, or OVN for a chassis' ovn-controller."""
    tags = {p.name: p.tag for b in show.bridges for p in b.ports if p.tag is not None}
    ports: dict[str, Doc] = {}
    for dp in datapath:
        entry: Doc = {"id": str(dp.port_no), "name": dp.name, "internal": dp.internal}
        if dp.name in tags:
            entry["tag"] = str(tags[dp.name])
        ports[dp.name] = entry
    configurations = agent.get("configurations") or {}
    tunnel_bridge = configurations.get("tunnel_bridge") or "br-tun"
    tunnel_ports: dict[str, Doc] = {}
    bridge = show.bridge(tunnel_bridge)
    for port in bridge.ports if bridge is not None else ():
        for iface in port.interfaces:
            if iface.type in TUNNEL_TYPES:
                tunnel_ports[port.name] = {"name": port.name, "interface": iface.name,
                                           "type": iface.type, "options": dict(iface.options)}
    return {
        **agent_fields(agent), "id": agent["id"], "name": f"{host}-{label}",
        "object_name": f"{host}-{label}", "host": host, "configurations": configurations,
        "ports": ports, "tunnel_ports": tunnel_ports,
    }
