"""Users, passwords, tokens: who may call the API, and as what.

Users live in the ``users`` collection with scrypt hashes (salted, memory-hard; computed in
a worker thread). Tokens live in ``api_tokens`` as SHA-256 digests (a leaked database does
not leak usable tokens) with a TTL index on ``expires_at``. A token or a Basic login that
was just checked is trusted for ``CALIPSO_AUTH_CACHE_SECONDS`` without another lookup, so
reads cost one database round trip. Failed logins are answered late, doubling per failure.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from calipso.api.ldap import LdapDirectory
from calipso.api.operations import Principal, Role
from calipso.errors import ConfigError, Unauthorized
from calipso.settings import AuthMode, Settings

log = logging.getLogger(__name__)

SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN = 2**14, 8, 1, 32
ADMIN = "admin"
ADMIN_PASSWORD_FILE = "admin-password"
TOKEN_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
MAX_FAIL_DELAY = 8.0
THROTTLE_FORGET = 900.0


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=SCRYPT_LEN,
                          maxmem=256 * 1024 * 1024)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


async def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64), computed off the loop."""
    salt = secrets.token_bytes(16)
    digest = await asyncio.to_thread(_scrypt, password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


async def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = await asyncio.to_thread(
            _scrypt, password, base64.b64decode(salt), int(n), int(r), int(p)
        )
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(got, expected)


_DUMMY_HASH = "scrypt$16384$8$1$" + _b64(b"\0" * 16) + "$" + _b64(b"\0" * 32)


def request_token(request: web.Request) -> str | None:
    """The token of a request: ``X-Auth-Token``, or ``Authorization: Bearer <token>``."""
    token = request.headers.get("X-Auth-Token")
    if token:
        return token
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TOKEN_TIME_FORMAT)


class LoginThrottle:
    """Failed logins per user name and per client address; each failure doubles the wait."""

    def __init__(self, base_delay: float) -> None:
        self._base = base_delay
        self._failures: dict[str, tuple[int, float]] = {}

    def failed(self, keys: tuple[str, ...]) -> float:
        now = time.monotonic()
        if len(self._failures) > 10000:
            self._failures = {k: v for k, v in self._failures.items()
                              if now - v[1] < THROTTLE_FORGET}
        worst = 0
        for key in keys:
            count, last = self._failures.get(key, (0, now))
            count = 1 if now - last > THROTTLE_FORGET else count + 1
            self._failures[key] = (count, now)
            worst = max(worst, count)
        return min(self._base * 2 ** (worst - 1), MAX_FAIL_DELAY) if self._base else 0.0

    def succeeded(self, keys: tuple[str, ...]) -> None:
        for key in keys:
            self._failures.pop(key, None)


class TrustCache:
    """Recently checked credentials → principal, each until its own deadline."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._entries: dict[str, tuple[Principal, float]] = {}

    def get(self, key: str) -> Principal | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] < time.monotonic():
            del self._entries[key]
            return None
        return entry[0]

    def put(self, key: str, principal: Principal, at_most: float | None = None) -> None:
        if self._seconds <= 0:
            return
        if len(self._entries) > 10000:
            now = time.monotonic()
            self._entries = {k: v for k, v in self._entries.items() if v[1] >= now}
        seconds = self._seconds if at_most is None else min(self._seconds, at_most)
        self._entries[key] = (principal, time.monotonic() + seconds)

    def drop(self, key: str) -> None:
        self._entries.pop(key, None)

    def drop_user(self, name: str) -> None:
        self._entries = {k: v for k, v in self._entries.items() if v[0].name != name}


class Authenticator:
    """Checks credentials, issues and revokes tokens, creates the first admin."""

    def __init__(self, settings: Settings, db: AsyncDatabase) -> None:
        self.settings = settings
        self.db = db
        self.enabled = settings.auth is AuthMode.REQUIRED
        self.throttle = LoginThrottle(settings.login_fail_delay)
        self.trusted = TrustCache(settings.auth_cache_seconds)
        self._cache_key = secrets.token_bytes(32)
        self.ldap: LdapDirectory | None = None
        if settings.ldap_url:
            self.ldap = LdapDirectory(
                settings.ldap_url, settings.ldap_user_id_attribute, settings.ldap_user_tree_dn,
                settings.ldap_ca_file, settings.ldap_timeout,
            )

    # -- per request ---------------------------------------------------------------------
    async def authenticate(self, request: web.Request) -> Principal:
        if not self.enabled:
            return Principal("anonymous", Role.ADMIN, "none")
        token = request_token(request)
        if token:
            principal = await self.principal_for_token(token)
            if principal is None:
                raise Unauthorized("the token is unknown or expired")
            return principal
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "basic" and value:
            try:
                user, sep, password = base64.b64decode(value.strip()).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise Unauthorized("malformed Basic credentials") from None
            if not sep:
                raise Unauthorized("malformed Basic credentials")
            key = hmac.new(self._cache_key, f"{user}\0{password}".encode(), "sha256").hexdigest()
            principal = self.trusted.get(key)
            if principal is None:
                principal = await self.login(user, password, request.remote or "", "basic")
                self.trusted.put(key, principal)
            return principal
        raise Unauthorized("Authentication required")

    async def login(self, user: str, password: str, remote: str, method: str) -> Principal:
        """The principal for a user name and password, or a late ``Unauthorized``."""
        keys = (f"user:{user}", f"addr:{remote}")
        role = await self._check_password(user, password)
        if role is None:
            delay = self.throttle.failed(keys)
            log.warning("login refused", extra={"user": user, "remote": remote,
                                                "delay_s": round(delay, 2)})
            await asyncio.sleep(delay)
            raise Unauthorized("wrong user name or password")
        self.throttle.succeeded(keys)
        return Principal(user, role, method)

    async def _check_password(self, user: str, password: str) -> Role | None:
        doc = await self.db.users.find_one({"name": user}) if user else None
        if doc is not None and doc.get("source", "local") == "local":
            ok = await verify_password(password, str(doc.get("password_hash", "")))
            return Role(doc.get("role", Role.VIEWER)) if ok else None
        if self.ldap is not None and await self.ldap.check(user, password):
            role = doc.get("role") if doc is not None else self.settings.ldap_role
            return Role(role or Role.VIEWER)
        await verify_password(password, _DUMMY_HASH)  # same time as a wrong password
        return None

    async def principal_for_token(self, token: str) -> Principal | None:
        digest = token_digest(token)
        principal = self.trusted.get(digest)
        if principal is not None:
            return principal
        doc = await self.db.api_tokens.find_one({"token": digest})
        if doc is None:
            return None
        expires = doc["expires_at"]
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        left = (expires - datetime.now(UTC)).total_seconds()
        if left <= 0:
            return None
        principal = Principal(str(doc.get("user", "")), Role(doc.get("role", Role.VIEWER)),
                              "token")
        self.trusted.put(digest, principal, at_most=left)
        return principal

    # -- tokens --------------------------------------------------------------------------
    async def issue_token(self, principal: Principal, method: str) -> dict[str, Any]:
        token = secrets.token_hex(16)
        issued = datetime.now(UTC)
        expires = issued + timedelta(seconds=self.settings.token_lifetime)
        doc = {"token": token_digest(token), "issued_at": issued, "expires_at": expires,
               "method": method, "user": principal.name, "role": str(principal.role)}
        result = await self.db.api_tokens.insert_one(doc)
        return {"token": token, "issued_at": format_time(issued),
                "expires_at": format_time(expires), "method": method,
                "user": principal.name, "role": str(principal.role),
                "_id": str(result.inserted_id)}

    async def revoke_token(self, token: str) -> bool:
        digest = token_digest(token)
        self.trusted.drop(digest)
        result = await self.db.api_tokens.delete_one({"token": digest})
        return result.deleted_count == 1

    async def forget_user(self, name: str, keep_token: str | None = None) -> None:
        """Revoke the user's tokens (but ``keep_token``, the caller's own)."""
        self.trusted.drop_user(name)
        filt: dict[str, Any] = {"user": name}
        if keep_token:
            filt["token"] = {"$ne": token_digest(keep_token)}
        await self.db.api_tokens.delete_many(filt)

    # -- start-up ------------------------------------------------------------------------
    async def ensure_admin(self) -> None:
        """Create ``admin`` on first start (or reset it to ``CALIPSO_ADMIN_PASSWORD``)."""
        if not self.enabled:
            log.warning("API authentication is off (CALIPSO_AUTH=none): every caller is admin")
        configured = self.settings.admin_password
        existing = await self.db.users.find_one({"name": ADMIN})
        if existing is not None:
            if configured is not None and not await verify_password(
                configured.get_secret_value(), str(existing.get("password_hash", ""))
            ):
                await self.db.users.update_one({"name": ADMIN}, {"$set": {
                    "password_hash": await hash_password(configured.get_secret_value()),
                    "role": str(Role.ADMIN), "source": "local"}})
                await self.forget_user(ADMIN)
                log.info("admin password reset from CALIPSO_ADMIN_PASSWORD")
            return
        if configured is not None:
            password, path = configured.get_secret_value(), None
        else:
            password = secrets.token_urlsafe(18)
            path = self.settings.data_dir / ADMIN_PASSWORD_FILE
            try:
                await asyncio.to_thread(write_secret_file, path, password)
            except OSError as err:
                raise ConfigError(f"CALIPSO_DATA_DIR: cannot write {path} for the generated "
                                  f"admin password ({err.strerror}); set "
                                  "CALIPSO_ADMIN_PASSWORD or a writable directory") from None
        doc = {"name": ADMIN, "password_hash": await hash_password(password),
               "role": str(Role.ADMIN), "source": "local", "created_at": datetime.now(UTC)}
        try:
            await self.db.users.insert_one(doc)
        except DuplicateKeyError:
            return  # another process created it first
        if path is None:
            log.info("created the admin user from CALIPSO_ADMIN_PASSWORD")
        else:
            log.warning("created the admin user with a generated password; read it from "
                        "the file", extra={"path": str(path)})


def write_secret_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    os.chmod(path, 0o600)


AUTH = web.AppKey("auth", Authenticator)
