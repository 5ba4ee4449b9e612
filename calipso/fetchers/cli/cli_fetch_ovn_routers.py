"""Routers of ML2/OVN as vServices of the host whose chassis holds their gateway.

A Neutron router is the OVN ``Logical_Router`` ``neutron-<router id>``; its gateway port
``lrp-<port id>`` is bound to one chassis at a time, as the southbound ``Port_Binding``
``cr-lrp-<port id>`` (type ``chassisredirect``) says. On that chassis' host the router is a
``vservice`` ``<host>-neutron-<router id>`` (``local_service_id`` the logical router's name,
``service_type`` router, in the "Gateways" folder) with the router's fields, as an L3
agent's router has. The chassis is matched by its name (the host's OVS ``system-id``), not
by host name. The databases are read once per scan on the OVN central host
(``ovn_central.OvnCentral``). A router without a gateway has no host: it is not listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.cli_fetch_host_vservices import (
    CliFetchHostVservices,
    place_vservice,
    router_fields,
)
from calipso.fetchers.cli.ovn_central import OvnCentral, chassis_ids, gateway_routers
from calipso.fetchers.cli.scope import host_named

if TYPE_CHECKING:
    from calipso.sources import FetchContext


class CliFetchOvnRouters(CliFetchHostVservices):
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
        routers = gateway_routers(
            chassis, await self._central.table("sb", "Chassis"),
            await self._central.table("sb", "Port_Binding"),
            await self._central.table("nb", "Logical_Router"),
            await self._central.table("nb", "Logical_Router_Port"))
        if not routers:
            return []
        listing, texts, ports = await self.routers_of(host), await self._texts.get(), \
            self._ports.index()
        docs = []
        for router_id in routers:
            doc: Doc = {"id": f"{host}-neutron-{router_id}",
                        "local_service_id": f"neutron-{router_id}", "service_type": "router",
                        "host": host, **router_fields(router_id, listing.get(router_id), ports)}
            place_vservice(doc, host, "router", texts)
            docs.append(doc)
        return docs
