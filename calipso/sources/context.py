"""What a fetcher may use: the ``FetchContext`` protocol and the client protocols.

A scan's context satisfies ``FetchContext``; so does any other caller that runs fetchers
outside a scan (an event handler, a monitoring run). Fetchers depend on this protocol and
on nothing of ``calipso.scanners``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from calipso.env_config import EnvironmentConfig

Doc = dict[str, Any]


class ApiClient(Protocol):
    """OpenStack REST access (``calipso.sources.openstack_api.ApiSession``)."""

    async def get(self, service: str, path: str, *, region: str | None = None,
                  params: dict[str, Any] | None = None) -> Any: ...

    async def get_all(self, service: str, path: str, key: str, *, region: str | None = None,
                      params: dict[str, Any] | None = None) -> list[Doc]: ...


class SqlClient(Protocol):
    """Read-only MySQL access (``calipso.sources.mysql_pool.MysqlPool``)."""

    async def query(self, sql: str, args: Sequence[Any] = ()) -> list[Doc]: ...


class ShellClient(Protocol):
    """Commands on hosts over SSH (``calipso.sources.ssh_pool.SshPool``)."""

    async def run(self, host: str, command: str) -> str: ...

    async def release(self, host: str) -> None: ...


@dataclass(slots=True)
class FetchFailure:
    """Where a fetch could not see: kept objects of ``object_type`` under ``scope`` are
    stale. ``target`` names the host and command, or the URL, that failed."""

    object_type: str
    scope: str  # an id_path prefix
    source: str
    target: str
    error: str


class FetchContext(Protocol):
    """Everything a fetcher may touch."""

    @property
    def env(self) -> EnvironmentConfig: ...

    @property
    def env_name(self) -> str: ...

    @property
    def api(self) -> ApiClient | None: ...

    @property
    def mysql(self) -> SqlClient | None: ...

    @property
    def ssh(self) -> ShellClient | None: ...

    @property
    def log(self) -> logging.LoggerAdapter: ...

    async def lookup(self, object_id: str) -> Doc | None:
        """An object found by this run, else the stored one."""
        ...

    def of_type(self, object_type: str) -> list[Doc]:
        """The objects of ``object_type`` found by this run so far."""
        ...

    async def stored(self, collection: str, query: Doc) -> list[Doc]:
        """Documents of a metadata collection (e.g. ``network_agent_types``)."""
        ...

    async def patch(self, object_id: str, fields: Doc) -> None:
        """Set ``fields`` on an object found earlier (in this run and in the store)."""
        ...

    def report_failure(self, failure: FetchFailure, host: str | None = None) -> None:
        """Record what could not be seen; ``host``: a host that could not be read."""
        ...
