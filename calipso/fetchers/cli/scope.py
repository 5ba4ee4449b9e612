"""What CLI fetchers share: the host behind a parent, once-per-host caches, patches.

A fetcher instance lives for one scan (the walker makes one per class), so a cache held
on it is a per-scan cache: ``PerHost`` runs a computation once per key, and callers that
ask concurrently (two instances on the same host) wait for that one run and share its
result, or its error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from calipso.errors import CalipsoError, SshError
from calipso.fetchers.api.api_fetch_host_network_agents import region_of

if TYPE_CHECKING:
    from calipso.sources import FetchContext

Doc = dict[str, Any]
T = TypeVar("T")

L2_HOST_TYPES = frozenset({"Network", "Compute", "Kube-node"})
NETWORK_HOSTS = frozenset({"Network"})


class PerHost(Generic[T]):
    """``await cache.get(key)``: ``compute(key)`` run once per key, its result shared."""

    def __init__(self, compute: Callable[[str], Awaitable[T]]) -> None:
        self._compute = compute
        self._locks: dict[str, asyncio.Lock] = {}
        self._values: dict[str, T] = {}
        self._errors: dict[str, CalipsoError] = {}

    async def get(self, key: str) -> T:
        if key in self._values:
            return self._values[key]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key in self._values:
                return self._values[key]
            if key in self._errors:
                raise self._errors[key]
            try:
                value = await self._compute(key)
            except CalipsoError as err:
                self._errors[key] = err
                raise
            self._values[key] = value
            return value


class Once(Generic[T]):
    """One value per fetcher instance (e.g. one API listing per scan)."""

    def __init__(self, compute: Callable[[], Awaitable[T]]) -> None:
        self._cache: PerHost[T] = PerHost(lambda _key: compute())

    async def get(self) -> T:
        return await self._cache.get("")


async def unless_gone(command: Awaitable[str], gone: str) -> str | None:
    """The command's output, or None when it failed because what it reads vanished since
    it was listed (``gone`` is in the error): a live cloud changes while it is scanned."""
    try:
        return await command
    except SshError as err:
        if gone in err.detail:
            return None
        raise


async def host_doc(ctx: FetchContext, parent_id: str) -> Doc | None:
    """The host document at or above ``parent_id`` (a host, a folder under it, an
    instance, a vNICs folder ...); None when the chain is broken."""
    doc = await ctx.lookup(parent_id)
    for _ in range(8):
        if doc is None:
            return None
        if doc.get("type") == "host":
            return doc
        host = doc.get("host")
        if isinstance(host, str) and host:
            return await ctx.lookup(host)
        parent = doc.get("parent_id")
        if not isinstance(parent, str):
            return None
        doc = await ctx.lookup(parent)
    return None


def has_host_type(host: Doc, wanted: frozenset[str] | set[str]) -> bool:
    types = host.get("host_type") or []
    return any(t in wanted for t in types)


async def host_named(ctx: FetchContext, parent_id: str,
                     wanted: frozenset[str] = L2_HOST_TYPES) -> str | None:
    """The name of the host at or above ``parent_id`` when its ``host_type`` has one of
    ``wanted`` (reference §3.3 host filters), else None: nothing to fetch there."""
    host = await host_doc(ctx, parent_id)
    return str(host["id"]) if host is not None and has_host_type(host, wanted) else None


L2_AGENT_TYPES = ("Open vSwitch agent", "Linux bridge agent")


async def host_region(ctx: FetchContext, host: str) -> str:
    """The region a host was found in ("" when unknown): its Neutron answers for the host
    (each region of a cloud has its own)."""
    return region_of(await ctx.lookup(host)) or ""


class L2Agents:
    """The hosts' L2 agent rows: one Neutron agent listing per region of the hosts asked
    about, per holder (per fetcher, so per scan)."""

    def __init__(self, ctx: FetchContext) -> None:
        self._ctx = ctx
        self._rows: PerHost[dict[str, Doc]] = PerHost(lambda r: list_l2_agents(ctx, r))

    async def of(self, host: str) -> Doc | None:
        return (await self._rows.get(await host_region(self._ctx, host))).get(host)


async def list_l2_agents(ctx: FetchContext, region: str = "") -> dict[str, Doc]:
    """Every host's L2 agent row (Open vSwitch or Linux bridge), from Neutron's agents
    (the region's; "": the configured or first one)."""
    if ctx.api is None:
        return {}
    rows = await ctx.api.get_all("network", "/v2.0/agents", "agents", region=region or None)
    return {r["host"]: r for r in rows if isinstance(r, dict) and r.get("host")
            and r.get("agent_type") in L2_AGENT_TYPES}


def docs_on_host(ctx: FetchContext, object_type: str, host: str) -> list[Doc]:
    return [d for d in ctx.of_type(object_type) if d.get("host") == host]


class PortIndex:
    """Neutron ports by id, MAC, bound host and device (a pure index over documents)."""

    def __init__(self, ports: list[Doc]) -> None:
        self.count = len(ports)
        self._by_id: dict[str, Doc] = {}
        self._by_mac: dict[str, Doc] = {}
        self._by_host: dict[str, list[Doc]] = {}
        self._by_device: dict[str, list[Doc]] = {}
        for port in ports:
            self._by_id[str(port.get("id"))] = port
            if port.get("mac_address"):
                self._by_mac.setdefault(str(port["mac_address"]).lower(), port)
            self._by_host.setdefault(str(port.get("binding:host_id") or ""), []).append(port)
            self._by_device.setdefault(str(port.get("device_id") or ""), []).append(port)

    def find(self, port_id: str | None = None, mac: str | None = None) -> Doc | None:
        """The port with ``port_id``, else the one with ``mac``."""
        found = self._by_id.get(port_id) if port_id else None
        return found or (self._by_mac.get(mac.lower()) if mac else None)

    def on_host(self, host: str) -> list[Doc]:
        return self._by_host.get(host, []) if host else []

    def of_device(self, device_id: str) -> list[Doc]:
        return self._by_device.get(device_id, []) if device_id else []


class Ports:
    """The scan's ports as a ``PortIndex``, built once per fetcher and again only when
    more ports were found since."""

    def __init__(self, ctx: FetchContext) -> None:
        self._ctx = ctx
        self._index: PortIndex | None = None

    def index(self) -> PortIndex:
        ports = self._ctx.of_type("port")
        if self._index is None or self._index.count != len(ports):
            self._index = PortIndex(ports)
        return self._index
