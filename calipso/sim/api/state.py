"""What the simulated API services share: options, run-time faults, tokens, app keys.

One `ApiState` per served cloud. Handlers reach it through the typed `STATE` app key;
the faults (latency, 5xx rate) can be changed while serving (`Faults.set`).
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web

from calipso.errors import Unauthorized
from calipso.sim.cloud import Cloud
from calipso.sim.model import Project, User
from calipso.sim.ssh.host_state import Breakage

TruthProvider = Callable[[], Awaitable[bytes]]
MAX_TOKENS = 10_000  # past this, expired tokens are dropped when a new one is issued


@dataclass(frozen=True, slots=True)
class ApiOptions:
    """How the API channel serves. Ports 0: free ports chosen by the kernel."""

    host: str = "127.0.0.1"
    keystone_port: int = 0
    nova_port: int = 0
    neutron_port: int = 0
    token_ttl: float = 3600.0  # seconds a token lives
    latency_ms: float = 0.0
    error_rate: float = 0.0  # share of calls answered 500
    fault_seed: int = 0
    nova_max_limit: int = 1000  # Nova's osapi_max_limit: the largest page it returns


class Faults:
    """Latency and 5xx rate, settable while serving; the RNG is seeded."""

    __slots__ = ("error_rate", "latency_ms", "rng")

    def __init__(self, latency_ms: float, error_rate: float, seed: int) -> None:
        self.latency_ms = latency_ms
        self.error_rate = error_rate
        self.rng = random.Random(seed)

    def set(self, *, latency_ms: float | None = None, error_rate: float | None = None) -> None:
        if latency_ms is not None:
            if latency_ms < 0:
                raise ValueError("latency_ms must be >= 0")
            self.latency_ms = latency_ms
        if error_rate is not None:
            if not 0.0 <= error_rate <= 1.0:
                raise ValueError("error_rate must be within 0..1")
            self.error_rate = error_rate

    def fail_now(self) -> bool:
        return self.error_rate > 0 and self.rng.random() < self.error_rate


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    user: User
    project: Project | None  # None: unscoped
    issued_at: float
    expires_at: float
    audit_id: str
    methods: tuple[str, ...] = ("password",)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.user.roles


def iso(ts: float, *, micro: bool = True) -> str:
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ"
    return datetime.fromtimestamp(ts, UTC).strftime(fmt)


class TokenStore:
    """Issued tokens by value. A token is valid until its `expires_at` (wall clock)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._tokens: dict[str, Token] = {}

    def issue(self, user: User, project: Project | None,
              methods: tuple[str, ...] = ("password",)) -> Token:
        now = time.time()
        if len(self._tokens) >= MAX_TOKENS:
            self._tokens = {k: t for k, t in self._tokens.items() if t.expires_at > now}
        token = Token("gAAAAAB" + secrets.token_urlsafe(96), user, project, now, now + self.ttl,
                      secrets.token_urlsafe(16)[:22], methods)
        self._tokens[token.value] = token
        return token

    def find(self, value: str | None) -> Token | None:
        """The live token with this value, or None (unknown or expired)."""
        token = self._tokens.get(value or "")
        if token is None or token.expires_at <= time.time():
            return None
        return token

    def check(self, value: str | None) -> Token:
        token = self.find(value)
        if token is None:
            raise Unauthorized("The request you have made requires authentication.")
        return token

    def revoke(self, value: str) -> bool:
        return self._tokens.pop(value, None) is not None


@dataclass(slots=True)
class ApiState:
    cloud: Cloud
    options: ApiOptions
    faults: Faults
    tokens: TokenStore
    truth: TruthProvider
    keystone_versions: tuple[str, ...]
    urls: dict[str, str] = field(default_factory=dict)  # keystone, nova, neutron
    calls: int = 0  # requests answered, all services
    breakage: Breakage | None = None  # the SSH hosts' (/sim/breakage), when they are served


STATE = web.AppKey("sim_api_state", ApiState)
SERVICE = web.AppKey("sim_api_service", str)  # keystone | nova | neutron
# the path a service is mounted under when all share one port ("/compute"); "" on its own
MOUNT = web.AppKey("sim_api_mount", str)
