"""The vEdge of an ML2/OVN chassis: its ovn-controller.

Per host, ``ovs-vsctl get open . external_ids`` names the chassis (``system-id``, which is
also the id of its Neutron "OVN Controller agent" / "OVN Controller Gateway agent" row)
and gives its encapsulation (``ovn-encap-ip``, ``ovn-encap-type``), integration bridge and
``ovn-bridge-mappings``; a host without ``system-id`` and ``ovn-remote`` is no chassis.
The vEdge is ``<chassis name>`` named ``<host>-OVN``, with ``configurations`` in the keys of
an OVS agent's (``tunneling_ip``, ``tunnel_types``, ``bridge_mappings``, ``integration_bridge``
and ``tunnel_bridge`` both the integration bridge) so the OTEP fetcher reads it as it reads
an OVS vEdge. ``ports`` come from the datapath (``ovs-dpctl show``, or ``ovs-appctl
dpctl/show`` when the agent row says ``datapath-type: netdev``), each with the ``iface_id``
OVS holds for it (``ovs-vsctl --columns=name,external_ids list Interface``: the Neutron
port it plugs, e.g. a metadata namespace's veth); ``tunnel_ports`` are the Geneve ports
``ovn-<chassis>-0`` on the integration bridge (``ovs-vsctl show``). The NIC on a mapped
bridge is the vEdge's ``pnic``, as for OVS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.cli_fetch_vconnectors_ovs import LIST_INTERFACES
from calipso.fetchers.cli.cli_fetch_vedges_ovs import (
    CliFetchVedgesOvs,
    datapath_command,
    shape_vedge_ovs,
)
from calipso.fetchers.cli.ovn_central import chassis_configurations, chassis_ids
from calipso.fetchers.cli.parse.ovs import parse_ovs_dpctl_show, parse_ovs_vsctl_show
from calipso.fetchers.cli.parse.ovs_list import interface_ids, parse_ovs_vsctl_list
from calipso.fetchers.cli.scope import Once, host_named

if TYPE_CHECKING:
    from calipso.sources import FetchContext

OVN_BINARY = "ovn-controller"
DEFAULT_AGENT_TYPE = "OVN Controller agent"


class CliFetchVedgesOvn(CliFetchVedgesOvs):
    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self._controllers: Once[dict[str, Doc]] = Once(self._list_controllers)

    async def get(self, parent_id: str) -> list[Doc]:
        name = await host_named(self.ctx, parent_id)
        if name is None:
            return []
        ids = await chassis_ids(self, name)
        chassis = ids.get("system-id")
        if not chassis or not ids.get("ovn-remote"):
            return []
        row = (await self._controllers.get()).get(chassis) or {}
        agent: Doc = {"id": chassis, "binary": OVN_BINARY,
                      "agent_type": row.get("agent_type") or DEFAULT_AGENT_TYPE,
                      "configurations": chassis_configurations(ids)}
        kind = (row.get("configurations") or {}).get("datapath-type")
        show = await self.read(name, "ovs-vsctl show", parse_ovs_vsctl_show)
        datapath = await self.read(
            name, datapath_command({"configurations": {"datapath_type": kind}}),
            parse_ovs_dpctl_show)
        doc = shape_vedge_ovs(name, agent, show, datapath, label="OVN")
        ifaces = interface_ids(await self.read(name, LIST_INTERFACES, parse_ovs_vsctl_list))
        for port in doc["ports"].values():
            if port["name"] in ifaces:
                port["iface_id"] = ifaces[port["name"]]
        await self.mark_uplink(name, agent, show, datapath, doc)
        return [doc]

    async def _list_controllers(self) -> dict[str, Doc]:
        """Neutron's ovn-controller rows by chassis name (their id)."""
        if self.ctx.api is None:
            return {}
        rows = await self.ctx.api.get_all("network", "/v2.0/agents", "agents")
        return {str(r["id"]): r for r in rows
                if isinstance(r, dict) and r.get("binary") == OVN_BINARY and r.get("id")}
