"""vServices of a network host: its DHCP and router namespaces (``ip netns list``).

Each ``qdhcp-<network>`` / ``qrouter-<router>`` namespace becomes a ``vservice``
``<host>-<namespace>`` named ``dhcp-<network name>`` / ``router-<router name>``
(ML2/OVN's ``ovnmeta-<network>``: ``metadata-<network name>``), in a
dynamic sub-folder of the host's vServices folder per service type
(``<host>-vservices-dhcps`` "DHCP servers", ``-routers`` "Gateways": the folder texts of
``network_agent_types``). Names come from the networks found earlier in this scan and
from one Neutron router listing per scan; router documents carry the router's fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from calipso.fetchers.base import Doc, set_folder_parent
from calipso.fetchers.cli.base import CliAccess
from calipso.fetchers.cli.parse.netns import Netns, parse_ip_netns_list
from calipso.fetchers.cli.scope import (
    NETWORK_HOSTS,
    Once,
    PerHost,
    PortIndex,
    Ports,
    host_named,
    host_region,
)

if TYPE_CHECKING:
    from calipso.sources import FetchContext

# Folder texts when the network_agent_types collection lacks the type (seed values).
DEFAULT_FOLDER_TEXTS = {"dhcp": "DHCP servers", "router": "Gateways", "metadata": "Metadata"}
MISC_FOLDER = ("miscellenaous", "Misc. services")
ROUTER_FIELDS = ("status", "admin_state_up", "tenant_id", "project_id", "distributed", "ha",
                 "external_gateway_info", "flavor_id", "availability_zones")


class CliFetchHostVservices(CliAccess):
    def __init__(self, ctx: FetchContext) -> None:
        super().__init__(ctx)
        self._routers: PerHost[dict[str, Doc]] = PerHost(self._list_routers)  # by region
        self._texts: Once[dict[str, str]] = Once(self._folder_texts)
        self._ports = Ports(ctx)

    async def get(self, parent_id: str) -> list[Doc]:
        host = await host_named(self.ctx, parent_id, NETWORK_HOSTS)
        if host is None:
            return []
        namespaces = await self.read(host, "ip netns list", parse_ip_netns_list)
        services = [ns for ns in namespaces if ns.service_type]
        if not services:
            return []
        routers = await self.routers_of(host) if any(
            ns.service_type == "router" for ns in services) else {}
        networks = {n["id"]: n for n in self.ctx.of_type("network")}
        return shape_vservices(host, services, networks, routers,
                               self._ports.index(), await self._texts.get())

    async def routers_of(self, host: str) -> dict[str, Doc]:
        """Neutron's routers by id, from the host's own region."""
        return await self._routers.get(await host_region(self.ctx, host))

    async def _list_routers(self, region: str) -> dict[str, Doc]:
        if self.ctx.api is None:
            return {}
        rows = await self.ctx.api.get_all("network", "/v2.0/routers", "routers",
                                          region=region or None)
        return {r["id"]: r for r in rows if isinstance(r, dict) and "id" in r}

    async def _folder_texts(self) -> dict[str, str]:
        texts = dict(DEFAULT_FOLDER_TEXTS)
        for row in await self.ctx.stored("network_agent_types", {}):
            if isinstance(row.get("type"), str) and isinstance(row.get("folder_text"), str):
                texts[row["type"]] = row["folder_text"]
        return texts


def shape_vservices(host: str, namespaces: list[Netns], networks: dict[str, Doc],
                    routers: dict[str, Doc], ports: PortIndex,
                    folder_texts: dict[str, str]) -> list[Doc]:
    """vservice documents for the service namespaces of ``host``."""
    docs = []
    for ns in namespaces:
        kind, owner = ns.service_type, ns.service_id
        if kind is None or owner is None:
            continue
        doc: Doc = {"id": f"{host}-{ns.name}", "local_service_id": ns.name,
                    "service_type": kind, "host": host}
        if kind in ("dhcp", "metadata"):  # metadata: ML2/OVN's ovnmeta-<network>
            net = networks.get(owner)
            doc["name"] = f"{kind}-{net['name'] if net else owner}"
            doc["network"] = [owner]
        else:
            doc.update(router_fields(owner, routers.get(owner), ports))
        place_vservice(doc, host, kind, folder_texts)
        docs.append(doc)
    return docs


def router_fields(router_id: str, router: Doc | None, ports: PortIndex) -> Doc:
    own = ports.of_device(router_id)
    label = router["name"] if router and router.get("name") else router_id
    fields: Doc = {"name": f"router-{label}",
                   "network": list(dict.fromkeys(p["network_id"] for p in own
                                                 if p.get("network_id")))}
    gateway = next((p["id"] for p in own
                    if p.get("device_owner") == "network:router_gateway"), None)
    fields["gw_port_id"] = gateway
    if router is not None:
        fields.update({k: router[k] for k in ROUTER_FIELDS if k in router})
        fields.setdefault("tenant_id", router.get("project_id"))
    return fields


def place_vservice(doc: Doc, host: str, kind: str, folder_texts: dict[str, str]) -> None:
    if kind in folder_texts:
        key, text = f"{kind}s", folder_texts[kind]
    else:
        key, text = MISC_FOLDER
    set_folder_parent(doc, "vservice", master_parent_type="vservices_folder",
                      master_parent_id=f"{host}-vservices", parent_objects_name=key,
                      parent_type=f"vservice_{key}_folder",
                      parent_id=f"{host}-vservices-{key}", parent_text=text)
