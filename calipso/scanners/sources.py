"""Opens the data sources an environment configures, for one scan (or one event)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from calipso.env_config import EnvironmentConfig
from calipso.errors import FetchError
from calipso.fetchers.api.session import ApiSession
from calipso.fetchers.cli.host_keys import HostKeyStore
from calipso.fetchers.cli.pool import SshPool
from calipso.fetchers.db.access import MysqlPool
from calipso.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Sources:
    api: ApiSession | None
    mysql: MysqlPool | None
    ssh: SshPool | None
    problems: tuple[FetchError, ...] = ()


@contextlib.asynccontextmanager
async def open_sources(env: EnvironmentConfig, settings: Settings,
                       db: AsyncDatabase) -> AsyncIterator[Sources]:
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
                SshPool(env.cli, settings, HostKeyStore(db, env.name)))
        yield Sources(api, mysql, ssh, tuple(problems))
