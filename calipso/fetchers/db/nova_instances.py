"""Nova's ``instance_info_caches``: the ``network_info`` of a host's instances.

Used by ``ApiFetchHostInstances`` when the environment has a ``mysql`` section; without
one, ``network_info`` is rebuilt from Neutron (``calipso.fetchers.api.network_info``).
"""

from __future__ import annotations

import json
from typing import Any

from calipso.errors import DbError
from calipso.fetchers.base import Doc
from calipso.fetchers.db.base import DbAccess

NETWORK_INFO_SQL = (
    "SELECT i.uuid AS uuid, ic.network_info AS network_info"
    " FROM `{nova}`.instances i"
    " JOIN `{nova}`.instance_info_caches ic ON ic.instance_uuid = i.uuid"
    " WHERE i.host = %s AND i.deleted = 0 AND ic.deleted = 0"
)


def parse_network_info(value: Any, sql: str) -> list[Doc]:
    if value is None or value == "":
        return []
    if isinstance(value, (bytes, bytearray)):
        value = value.decode()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise DbError(sql, "instance_info_caches.network_info is not JSON") from None
    if not isinstance(value, list):
        raise DbError(sql, "instance_info_caches.network_info is not a list")
    return value


class NovaInstances(DbAccess):
    """Read access to ``nova.instances``; not a scanner's fetcher (see ``get``)."""

    async def network_info(self, host: str) -> dict[str, list[Doc]]:
        """``{instance uuid: network_info}`` for the live instances of ``host``."""
        nova = self.ctx.env.mysql.schema_ if self.ctx.env.mysql else "nova"
        if "`" in nova:
            raise DbError("-", f"bad nova schema name {nova!r}")
        sql = NETWORK_INFO_SQL.format(nova=nova)
        rows = await self.query(sql, (host,))
        return {str(r["uuid"]): parse_network_info(r["network_info"], sql) for r in rows}

    async def get(self, parent_id: str) -> list[Doc]:
        return []
