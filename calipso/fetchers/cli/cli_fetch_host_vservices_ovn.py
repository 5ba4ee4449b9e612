"""vServices of an ML2/OVN chassis read on the chassis itself: the OVN metadata
namespaces (``ip netns list``). Each ``ovnmeta-<network>`` namespace (the OVN metadata
agent's) is a ``vservice`` ``<host>-ovnmeta-<network>`` named ``metadata-<network name>``,
in the "Metadata" folder. The routers come from the OVN databases
(``cli_fetch_ovn_vservices``), so a controller that does not answer costs only those.

OVN answers DHCP in ovn-controller's flows, from its northbound database: those DHCP
vServices come from there too (``cli_fetch_ovn_vservices``).
"""

from __future__ import annotations

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.cli_fetch_host_vservices import CliFetchHostVservices, shape_vservices
from calipso.fetchers.cli.parse.netns import parse_ip_netns_list
from calipso.fetchers.cli.scope import host_named


class CliFetchHostVservicesOvn(CliFetchHostVservices):
    async def get(self, parent_id: str) -> list[Doc]:
        host = await host_named(self.ctx, parent_id)
        if host is None:
            return []
        metadata = [ns for ns in await self.read(host, "ip netns list", parse_ip_netns_list)
                    if ns.service_type == "metadata"]
        if not metadata:
            return []
        networks = {n["id"]: n for n in self.ctx.of_type("network")}
        return shape_vservices(host, metadata, networks, {}, self._ports.index(),
                               await self._texts.get())
