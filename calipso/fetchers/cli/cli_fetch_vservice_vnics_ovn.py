"""vNICs of an ML2/OVN chassis' vServices.

- A metadata namespace's interfaces, as for any namespace (``cli_fetch_vservice_vnics``):
  the veth ``tap<network[:10]>1`` holding the metadata port's MAC and addresses.
- A logical router's ports, from the northbound ``Logical_Router_Port`` rows of the
  router's ``Logical_Router`` (no device exists: OVN routes in its flows): ``vnic``
  ``<host>-lrp-<port id>`` named ``lrp-<port id>``, with its MAC, its first address and
  that address' CIDR and netmask, the Neutron network of ``external_ids``
  ``neutron:network_name`` (``neutron-<network id>``) and the port id.
- The DHCP ovn-controller answers has none (nothing in the datapath stands for it).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from calipso.fetchers.base import Doc, set_folder_parent
from calipso.fetchers.cli.cli_fetch_vservice_vnics import CliFetchVserviceVnics
from calipso.fetchers.cli.ovn_central import OvnCentral
from calipso.fetchers.cli.parse.ovn import as_list
from calipso.fetchers.cli.scope import docs_on_host, host_named

if TYPE_CHECKING:
    from calipso.sources import FetchContext


class CliFetchVserviceVnicsOvn(CliFetchVserviceVnics):
    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self._central = OvnCentral(self, ("Logical_Router", "Logical_Router_Port"))

    async def get(self, parent_id: str) -> list[Doc]:
        host = await host_named(self.ctx, parent_id)
        if host is None:
            return []
        vservices = docs_on_host(self.ctx, "vservice", host)
        routers = [v for v in vservices if v.get("service_type") == "router"]
        docs = await self.namespace_vnics(
            host, [v for v in vservices if v.get("service_type") == "metadata"])
        if routers:
            lrs = await self._central.table("nb", "Logical_Router")
            lrps = await self._central.table("nb", "Logical_Router_Port")
            for vservice in routers:
                docs.extend(shape_router_port_vnics(host, vservice, lrs, lrps))
        return docs


def shape_router_port_vnics(host: str, vservice: Doc, routers: list[Doc],
                            router_ports: list[Doc]) -> list[Doc]:
    router = next((r for r in routers if r.get("name") == vservice.get("local_service_id")),
                  None)
    if router is None:
        return []
    members = set(as_list(router.get("ports")))
    docs = []
    for lrp in router_ports:
        if lrp.get("_uuid") not in members:
            continue
        name = str(lrp.get("name", ""))
        addresses = [ipaddress.ip_interface(a) for a in as_list(lrp.get("networks")) if a]
        first = addresses[0] if addresses else None
        network = str((lrp.get("external_ids") or {}).get("neutron:network_name", ""))
        doc: Doc = {
            "id": f"{host}-{name}", "name": name, "object_name": name,
            "vnic_type": "vservice_vnic", "host": host, "mac_address": lrp.get("mac"),
            "IP Address": str(first.ip) if first else None,
            "netmask": str(first.netmask) if first else None,
            "cidr": str(first.network) if first else None,
            "network": network.removeprefix("neutron-") or None,
            "port_id": name.removeprefix("lrp-"),
        }
        set_folder_parent(doc, "vnic", master_parent_type="vservice",
                          master_parent_id=vservice["id"], parent_objects_name="vnics",
                          parent_text="vNICs")
        docs.append(doc)
    return docs
