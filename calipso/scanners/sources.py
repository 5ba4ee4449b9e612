"""Opens the data sources an environment configures, for one scan (or one event)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from calipso.env_config import EnvironmentConfig
from calipso.fetchers.api.session import ApiSession
from calipso.fetchers.cli.host_keys import HostKeyStore
from calipso.fetchers.cli.pool import SshPool
from calipso.fetchers.db.access import MysqlPool
from calipso.settings import Settings


@dataclass(frozen=True, slots=True)
class Sources:
    api: ApiSession | None
    mysql: MysqlPool | None
    ssh: SshPool | None


@contextlib.asynccontextmanager
async def open_sources(env: EnvironmentConfig, settings: Settings,
                       db: AsyncDatabase) -> AsyncIterator[Sources]:
    async with contextlib.AsyncExitStack() as stack:
        api = mysql = ssh = None
        if env.openstack is not None:
            api = await stack.enter_async_context(ApiSession(env.openstack, settings))
        if env.mysql is not None:
            mysql = await stack.enter_async_context(MysqlPool(env.mysql, settings))
        if env.cli is not None:
            ssh = await stack.enter_async_context(
                SshPool(env.cli, settings, HostKeyStore(db, env.name)))
        yield Sources(api, mysql, ssh)
