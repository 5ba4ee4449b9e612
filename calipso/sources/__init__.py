"""The transports to a cloud and nothing else: OpenStack API session, SSH pool with its
host-key store, MySQL pool, AMQP connections (``sources.amqp``), ``open_sources`` and the
``FetchContext`` protocol."""

from calipso.sources.context import (
    ApiClient,
    Doc,
    FetchContext,
    FetchFailure,
    ShellClient,
    SqlClient,
)
from calipso.sources.opening import Sources, SshPools, open_sources

__all__ = ["ApiClient", "Doc", "FetchContext", "FetchFailure", "ShellClient", "Sources",
           "SqlClient", "SshPools", "open_sources"]
