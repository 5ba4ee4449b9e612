"""``DbAccess``: the base of MySQL fetchers; its edge is the scan's read-only pool.

MySQL only enriches what the APIs give: every caller checks ``ctx.mysql`` first and has
an API path for an environment without a ``mysql`` section.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from calipso.errors import DbError
from calipso.fetchers.base import Doc, Fetcher


class DbAccess(Fetcher):
    async def query(self, sql: str, args: Sequence[Any] = ()) -> list[Doc]:
        """Rows of one parameterised, read-only query (``%s`` placeholders)."""
        if self.ctx.mysql is None:
            raise DbError(sql, "the environment has no mysql section")
        return await self.ctx.mysql.query(sql, args)
