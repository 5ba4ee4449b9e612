"""The vEdge of a VPP host: the VPP process itself (``vppctl show ver``, ``show int``).

``<host>-VPP`` named ``VPP-<host>``, ``agent_type`` VPP, ``binary`` the first two words
of the version line, and ``ports``: every VPP interface by name with its ``id``
(sw_if_index) and ``state``.
"""

from __future__ import annotations

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.base import CliAccess
from calipso.fetchers.cli.parse.vpp import (
    VppInterface,
    VppVersion,
    parse_vppctl_show_int,
    parse_vppctl_show_version,
)
from calipso.fetchers.cli.scope import host_named


class CliFetchVedgesVpp(CliAccess):
    async def get(self, parent_id: str) -> list[Doc]:
        name = await host_named(self.ctx, parent_id)
        if name is None:
            return []
        version = await self.read(name, "vppctl show version", parse_vppctl_show_version)
        interfaces = await self.read(name, "vppctl show interface", parse_vppctl_show_int)
        return [shape_vedge_vpp(name, version, interfaces)]


def shape_vedge_vpp(host: str, version: VppVersion, interfaces: list[VppInterface]) -> Doc:
    return {
        "id": f"{host}-VPP", "name": f"VPP-{host}", "object_name": f"VPP-{host}",
        "host": host, "agent_type": "VPP", "binary": version.binary,
        "ports": {i.name: {"id": str(i.index), "name": i.name, "state": i.state}
                  for i in interfaces},
    }
