"""vServices of an ML2/OVN chassis that live in the OVN databases: its routers and the
DHCP its ovn-controller answers. The databases are read once per scan on the OVN central
host (``ovn_central.OvnCentral``; the northbound tables in one command); the chassis is
matched by its name (the host's OVS ``system-id``), not by host name.

- **Routers.** A Neutron router is the OVN ``Logical_Router`` ``neutron-<router id>``; its
  gateway port ``lrp-<port id>`` is bound to one chassis at a time, as the southbound
  ``Port_Binding`` ``cr-lrp-<port id>`` (type ``chassisredirect``) says. On that chassis'
  host the router is a ``vservice`` ``<host>-neutron-<router id>`` (``local_service_id``
  the logical router's name, ``service_type`` router, in the "Gateways" folder) with the
  router's fields, as an L3 agent's router has. A router without a gateway has no host:
  it is not listed.
- **DHCP.** OVN answers DHCP in ovn-controller's flows, from the northbound
  ``DHCP_Options`` rows (one per subnet with DHCP) that each ``Logical_Switch_Port`` names;
  there is no namespace and no server port. Each chassis answers for its own VM ports,
  so per network with such a port bound there the host gets a ``vservice``
  ``<host>-ovn-dhcp-<network id>`` (``local_service_id`` ``ovn-dhcp-<network id>``),
  named ``dhcp-<network name>``, ``service_type`` dhcp, in the "DHCP servers" folder,
  with ``dhcp_options``: per subnet, what its row tells (``ovn_central.dhcp_fields``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.cli_fetch_host_vservices import (
    CliFetchHostVservices,
    place_vservice,
    router_fields,
)
from calipso.fetchers.cli.ovn_central import (
    OvnCentral,
    chassis_ids,
    dhcp_fields,
    gateway_routers,
    local_dhcp,
)
from calipso.fetchers.cli.scope import host_named

if TYPE_CHECKING:
    from calipso.sources import FetchContext

NB_TABLES = ("Logical_Router", "Logical_Router_Port", "Logical_Switch_Port", "DHCP_Options")


class CliFetchOvnVservices(CliFetchHostVservices):
    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self._central = OvnCentral(self, NB_TABLES)

    async def get(self, parent_id: str) -> list[Doc]:
        host = await host_named(self.ctx, parent_id)
        if host is None:
            return []
        chassis = (await chassis_ids(self, host)).get("system-id")
        if not chassis:
            return []
        table = self._central.table
        chassis_rows, bindings = await table("sb", "Chassis"), await table("sb", "Port_Binding")
        routers = gateway_routers(chassis, chassis_rows, bindings,
                                  await table("nb", "Logical_Router"),
                                  await table("nb", "Logical_Router_Port"))
        dhcp = local_dhcp(chassis, chassis_rows, bindings,
                          await table("nb", "Logical_Switch_Port"),
                          await table("nb", "DHCP_Options"))
        if not routers and not dhcp:
            return []
        texts = await self._texts.get()
        docs = await self._routers_of(host, routers, texts) if routers else []
        networks = {n["id"]: n for n in self.ctx.of_type("network")}
        docs += [shape_dhcp_vservice(host, net, networks.get(net), rows, texts)
                 for net, rows in dhcp.items()]
        return docs

    async def _routers_of(self, host: str, routers: list[str],
                          texts: dict[str, str]) -> list[Doc]:
        listing, ports = await self.routers_of(host), self._ports.index()
        docs = []
        for router_id in routers:
            doc: Doc = {"id": f"{host}-neutron-{router_id}",
                        "local_service_id": f"neutron-{router_id}", "service_type": "router",
                        "host": host, **router_fields(router_id, listing.get(router_id), ports)}
            place_vservice(doc, host, "router", texts)
            docs.append(doc)
        return docs


def shape_dhcp_vservice(host: str, network_id: str, network: Doc | None, rows: list[Doc],
                        folder_texts: dict[str, str]) -> Doc:
    """The DHCP ovn-controller on ``host`` answers on one network, from its subnets'
    ``DHCP_Options`` rows."""
    subnets = sorted((dhcp_fields(r) for r in rows),
                     key=lambda f: (f["ip_version"], f["cidr"], str(f["subnet_id"])))
    doc: Doc = {"id": f"{host}-ovn-dhcp-{network_id}",
                "local_service_id": f"ovn-dhcp-{network_id}", "service_type": "dhcp",
                "host": host, "name": f"dhcp-{network['name'] if network else network_id}",
                "network": [network_id], "dhcp_options": subnets}
    place_vservice(doc, host, "dhcp", folder_texts)
    return doc
