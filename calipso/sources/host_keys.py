"""SSH host keys pinned on first use, per environment, in MongoDB (`ssh_host_keys`).

Used when the CLI section names no known_hosts file: the first key a host shows is
stored; later connections accept only that key, and a changed key is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase


class HostKeyStore:
    def __init__(self, db: AsyncDatabase, env: str) -> None:
        self.db = db
        self.env = env
        self._keys: dict[str, str] | None = None

    async def load(self) -> None:
        cursor = self.db.ssh_host_keys.find({"environment": self.env}, {"host": 1, "key": 1})
        self._keys = {doc["host"]: doc["key"] async for doc in cursor}

    def pinned(self, host: str) -> str | None:
        assert self._keys is not None, "HostKeyStore.load() not awaited"
        return self._keys.get(host)

    async def pin(self, host: str, key: str) -> None:
        assert self._keys is not None, "HostKeyStore.load() not awaited"
        self._keys[host] = key
        await self.db.ssh_host_keys.update_one(
            {"environment": self.env, "host": host},
            {"$setOnInsert": {"key": key, "pinned_at": datetime.now(UTC)}}, upsert=True)
