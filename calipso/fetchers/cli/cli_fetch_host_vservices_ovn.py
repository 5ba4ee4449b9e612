"""vServices of an ML2/OVN chassis: the logical routers whose gateway it holds, and the
OVN metadata namespaces.

- A Neutron router is the OVN ``Logical_Router`` ``neutron-<router id>``; its gateway port
  ``lrp-<port id>`` is bound to one chassis at a time, as the southbound ``Port_Binding``
  ``cr-lrp-<port id>`` (type ``chassisredirect``) says. On that chassis' host the router is
  a ``vservice`` ``<host>-neutron-<router id>`` (``local_service_id`` the logical router's
  name, ``service_type`` router) with the router's fields, as an L3 agent's router has.
  The chassis is matched by its name (the host's OVS ``system-id``), not by host name.
- ``ip netns list``: each ``ovnmeta-<network>`` namespace (the OVN metadata agent's) is a
  ``vservice`` ``<host>-ovnmeta-<network>`` named ``metadata-<network name>``.

OVN answers DHCP in ovn-controller's flows: there is no DHCP namespace or server to list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.cli_fetch_host_vservices import (
    CliFetchHostVservices,
    place_vservice,
    router_fields,
    shape_vservices,
)
from calipso.fetchers.cli.ovn_central import OvnCentral, chassis_ids, gateway_routers
from calipso.fetchers.cli.parse.netns import parse_ip_netns_list
from calipso.fetchers.cli.scope import host_named

if TYPE_CHECKING:
    from calipso.sources import FetchContext


class CliFetchHostVservicesOvn(CliFetchHostVservices):
    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self._central = OvnCentral(self)

    async def get(self, parent_id: str) -> list[Doc]:
        host = await host_named(self.ctx, parent_id)
        if host is None:
            return []
        chassis = (await chassis_ids(self, host)).get("system-id")
        if not chassis:
            return []
        texts = await self._texts.get()
        ports = self._ports.index()
        metadata = [ns for ns in await self.read(host, "ip netns list", parse_ip_netns_list)
                    if ns.service_type == "metadata"]
        networks = {n["id"]: n for n in self.ctx.of_type("network")}
        docs = shape_vservices(host, metadata, networks, {}, ports, texts)
        routers = gateway_routers(
            chassis, await self._central.table("sb", "Chassis"),
            await self._central.table("sb", "Port_Binding"),
            await self._central.table("nb", "Logical_Router"),
            await self._central.table("nb", "Logical_Router_Port"))
        listing = await self._routers.get() if routers else {}
        for router_id in routers:
            doc: Doc = {"id": f"{host}-neutron-{router_id}",
                        "local_service_id": f"neutron-{router_id}", "service_type": "router",
                        "host": host, **router_fields(router_id, listing.get(router_id), ports)}
            place_vservice(doc, host, "router", texts)
            docs.append(doc)
        return docs
