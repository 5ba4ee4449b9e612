"""vConnectors of an ML2/OVN chassis: every OVS bridge (the integration bridge, which holds
the instance taps, the metadata veths and the Geneve ports, and the bridges of
``ovn-bridge-mappings``), and any Linux bridge ``brctl show`` lists. Shaped as the OVS
bridges of an OVS host without hybrid plug (``cli_fetch_vconnectors_ovs``); a bridge the
chassis' settings do not name is marked unrecognised. A host that is no chassis (no
``system-id``) has none.
"""

from __future__ import annotations

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.cli_fetch_vconnectors_ovs import (
    CliFetchVconnectorsOvs,
    mark_unrecognised,
    shape_linux_bridges,
)
from calipso.fetchers.cli.ovn_central import chassis_configurations, chassis_ids
from calipso.fetchers.cli.parse.brctl import parse_brctl_show
from calipso.fetchers.cli.scope import host_named


class CliFetchVconnectorsOvn(CliFetchVconnectorsOvs):
    async def get(self, parent_id: str) -> list[Doc]:
        name = await host_named(self.ctx, parent_id)
        if name is None:
            return []
        ids = await chassis_ids(self, name)
        if not ids.get("system-id"):
            return []
        ports = self._ports.index().on_host(name)
        bridges = await self.read(name, "brctl show", parse_brctl_show)
        docs = shape_linux_bridges(name, bridges, ports, self.ctx.of_type("network"))
        docs.extend(await self._ovs_bridges(name, ports))
        conf = chassis_configurations(ids)
        mark_unrecognised(docs, {conf["integration_bridge"],
                                 *conf["bridge_mappings"].values()}, ())
        return docs
