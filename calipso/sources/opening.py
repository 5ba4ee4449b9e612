"""Opens the data sources an environment configures, for one scan, event or check run.

``open_sources`` gives a caller its own OpenStack session and MySQL pool (cheap, and a
token or a pool must not outlive a configuration change). SSH is different: a host
tolerates few handshakes at once, so everything that runs against one environment at the
same time — a scan, event handlers, monitoring checks — shares one bounded, key-pinned
``SshPool`` through ``SshPools``. The pool is closed when its last user is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from calipso.env_config import CliSection, EnvironmentConfig
from calipso.errors import FetchError
from calipso.settings import Settings
from calipso.sources.host_keys import HostKeyStore
from calipso.sources.mysql_pool import MysqlPool
from calipso.sources.openstack_api import ApiSession
from calipso.sources.ssh_pool import SshPool

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Sources:
    api: ApiSession | None
    mysql: MysqlPool | None
    ssh: SshPool | None
    problems: tuple[FetchError, ...] = ()


@dataclass(slots=True)
class _Shared:
    section: CliSection
    pool: SshPool
    users: int = 0


class SshPools:
    """One SSH pool per environment, shared by its concurrent users (reference counted).

    A changed CLI section gets a new pool for new users; the old one closes when its last
    user leaves.
    """

    def __init__(self, settings: Settings, db: AsyncDatabase) -> None:
        self.settings = settings
        self.db = db
        self._pools: dict[str, _Shared] = {}
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def borrow(self, env: EnvironmentConfig) -> AsyncIterator[SshPool]:
        assert env.cli is not None
        async with self._lock:
            shared = self._pools.get(env.name)
            if shared is None or shared.section != env.cli:
                pool = SshPool(env.cli, self.settings, HostKeyStore(self.db, env.name))
                await pool.__aenter__()
                shared = self._pools[env.name] = _Shared(env.cli, pool)
            shared.users += 1
        try:
            yield shared.pool
        finally:
            async with self._lock:
                shared.users -= 1
                last = shared.users == 0
                if last and self._pools.get(env.name) is shared:
                    del self._pools[env.name]
            if last:
                await asyncio.shield(shared.pool.__aexit__(None, None, None))


@contextlib.asynccontextmanager
async def open_sources(env: EnvironmentConfig, settings: Settings, db: AsyncDatabase,
                       ssh_pools: SshPools | None = None) -> AsyncIterator[Sources]:
    """The environment's sources; SSH from ``ssh_pools`` when given, else a pool of its own."""
    async with contextlib.AsyncExitStack() as stack:
        api = mysql = ssh = None
        problems: list[FetchError] = []
        if env.openstack is not None:
            api = await stack.enter_async_context(ApiSession(env.openstack, settings))
        if env.mysql is not None:
            # MySQL only enriches: without it the scan goes on through the API and SSH.
            try:
                mysql = await stack.enter_async_context(MysqlPool(env.mysql, settings))
            except FetchError as err:
                log.warning("MySQL unreachable; scanning without it", extra={
                    "env": env.name, "error": err.detail})
                problems.append(err)
        if env.cli is not None:
            ssh = await stack.enter_async_context(
                ssh_pools.borrow(env) if ssh_pools is not None else
                SshPool(env.cli, settings, HostKeyStore(db, env.name)))
        yield Sources(api, mysql, ssh, tuple(problems))
