"""vConnectors of a Linux bridge host: its ``brq<network>`` bridges (``brctl show``).

As for OVS hybrid bridges, plus the host's Linux bridge agent ``configurations`` (one
Neutron agent listing per scan) and the network each ``brq`` bridge carries.
"""

from __future__ import annotations

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.cli_fetch_vconnectors_ovs import (
    CliFetchVconnectorsOvs,
    known_bridges,
    mark_unrecognised,
    shape_linux_bridges,
)
from calipso.fetchers.cli.parse.brctl import parse_brctl_show
from calipso.fetchers.cli.scope import host_named


class CliFetchVconnectorsLxb(CliFetchVconnectorsOvs):
    async def get(self, parent_id: str) -> list[Doc]:
        name = await host_named(self.ctx, parent_id)
        if name is None:
            return []
        bridges = await self.read(name, "brctl show", parse_brctl_show)
        docs = shape_linux_bridges(name, bridges, self._ports.index().on_host(name),
                                   self.ctx.of_type("network"))
        agent = await self._agents.of(name)
        if agent is not None:
            for doc in docs:
                doc["configurations"] = agent.get("configurations")
        mark_unrecognised(docs, known_bridges(agent or {}), ("brq",))
        return docs
