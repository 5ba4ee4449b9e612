"""Optional LDAP login: one simple bind as ``<attr>=<user>,<tree DN>`` per check.

ldap3 (pure Python, synchronous) runs in a worker thread, so the loop never waits on the
directory; there is no maintained asyncio LDAP client to use instead. ldap3 is imported
only when ``CALIPSO_LDAP_URL`` is set.
"""

from __future__ import annotations

import asyncio
import logging
import math
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calipso.errors import ConfigError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LdapDirectory:
    url: str
    user_id_attribute: str
    user_tree_dn: str
    ca_file: Path | None
    timeout: float

    def __post_init__(self) -> None:
        try:
            import ldap3  # noqa: F401
        except ImportError:
            raise ConfigError(
                "CALIPSO_LDAP_URL is set but the ldap3 package is not installed "
                "(pip install 'calipso[ldap]')"
            ) from None
        if not self.url.startswith(("ldap://", "ldaps://")):
            raise ConfigError("invalid setting CALIPSO_LDAP_URL: must start ldap:// or ldaps://")

    def user_dn(self, user: str) -> str:
        from ldap3.utils.dn import escape_rdn

        dn = f"{self.user_id_attribute}={escape_rdn(user)}"
        return f"{dn},{self.user_tree_dn}" if self.user_tree_dn else dn

    async def check(self, user: str, password: str) -> bool:
        """True if the directory accepts the password; False if it refuses or is down."""
        if not user or not password:
            return False  # an empty password would be an anonymous bind: never a login
        try:
            return await asyncio.to_thread(self._bind, user, password)
        except Exception as err:  # the directory is an edge: any failure is "not accepted"
            log.warning("LDAP bind failed", extra={"error": type(err).__name__})
            return False

    def _bind(self, user: str, password: str) -> bool:
        import ldap3

        tls: Any = None
        if self.ca_file is not None:
            tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(self.ca_file))
        server = ldap3.Server(self.url, connect_timeout=self.timeout, tls=tls,
                              get_info=ldap3.NONE)
        conn = ldap3.Connection(
            server, user=self.user_dn(user), password=password,
            receive_timeout=max(1, math.ceil(self.timeout)),  # ldap3 wants whole seconds
            raise_exceptions=False,
        )
        try:
            return bool(conn.bind())
        finally:
            conn.unbind()
