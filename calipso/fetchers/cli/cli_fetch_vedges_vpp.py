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
from calipso.fetchers.cli.scope import L2_HOST_TYPES, has_host_type, host_doc


class CliFetchVedgesVpp(CliAccess):
    async def get(self, parent_id: str) -> list[Doc]:
        host = await host_doc(self.ctx, parent_id)
        if host is None or not has_host_type(host, L2_HOST_TYPES):
            return []
        name = host["id"]
        version = parse_vppctl_show_version(await self.run(name, "vppctl show version"))
        interfaces = parse_vppctl_show_int(await self.run(name, "vppctl show interface"))
        return [shape_vedge_vpp(name, version, interfaces)]


def shape_vedge_vpp(host: str, version: VppVersion, interfaces: list[VppInterface]) -> Doc:
    return {
        "id": f"{host}-VPP", "name": f"VPP-{host}", "object_name": f"VPP-{host}",
        "host": host, "agent_type": "VPP", "binary": version.binary,
        "ports": {i.name: {"id": str(i.index), "name": i.name, "state": i.state}
                  for i in interfaces},
    }
