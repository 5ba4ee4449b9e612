"""OpenStack REST access for one scan: Keystone token and catalog, bounded calls, paging.

Keystone v3 first (password auth scoped to the admin project, token in
``X-Subject-Token``), v2.0 when v3 is absent (``keystone_version: auto``). The token is
reused until a minute before it expires, or until a call answers 401. Endpoint URLs come
from the catalog for the configured interface and region, never from another service's
port; ``endpoint_host`` replaces their host where the catalog's names do not resolve.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from calipso.env_config import OpenStackSection
from calipso.errors import ApiError, FetchTimeout
from calipso.settings import Settings

log = logging.getLogger(__name__)

# Service names seen in catalogs of both ages, by the type fetchers ask for.
SERVICE_ALIASES = {"compute": ("compute", "nova"), "network": ("network", "neutron", "quantum"),
                   "identity": ("identity", "keystone")}
RETRIES = 2
REFRESH_MARGIN = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Endpoint:
    service_type: str
    service_name: str
    region: str
    interface: str
    url: str
    id: str


@dataclass(slots=True)
class Token:
    value: str
    expires_at: datetime
    project_id: str
    catalog: list[Endpoint]
    version: str


def parse_expiry(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC) + timedelta(hours=1)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_v3_catalog(catalog: list[dict[str, Any]]) -> list[Endpoint]:
    return [
        Endpoint(svc.get("type", ""), svc.get("name", ""),
                 ep.get("region_id") or ep.get("region") or "No-Region",
                 ep.get("interface", ""), ep.get("url", ""), ep.get("id", ""))
        for svc in catalog for ep in svc.get("endpoints", [])
    ]


def parse_v2_catalog(catalog: list[dict[str, Any]]) -> list[Endpoint]:
    found = []
    for svc in catalog:
        for ep in svc.get("endpoints", []):
            for interface in ("public", "internal", "admin"):
                url = ep.get(f"{interface}URL")
                if url:
                    found.append(Endpoint(svc.get("type", ""), svc.get("name", ""),
                                          ep.get("region") or "No-Region", interface, url,
                                          ep.get("id", "")))
    return found


class ApiSession:
    """One scan's (or one event handler's) view of an OpenStack cloud's APIs."""

    def __init__(self, section: OpenStackSection, settings: Settings) -> None:
        self.section = section
        self._slots = asyncio.Semaphore(settings.max_api_calls)
        self._timeout = min(section.timeout, settings.api_call_timeout)
        self._http: aiohttp.ClientSession | None = None
        self._token: Token | None = None
        self._auth_lock = asyncio.Lock()
        self._listings: dict[tuple[Any, ...], asyncio.Future[list[dict[str, Any]]]] = {}
        self.calls = 0

    async def __aenter__(self) -> ApiSession:
        connector = aiohttp.TCPConnector(limit=0, ssl=None if self.section.verify_tls else False)
        self._http = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=self._timeout),
            headers={"Accept": "application/json", "User-Agent": "calipso"})
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._http is not None:
            await self._http.close()

    # --- authentication -------------------------------------------------------------

    @property
    def keystone_base(self) -> str:
        return re.sub(r"/v(3|2\.0)/?$", "", self.section.keystone_url)

    async def token(self) -> Token:
        async with self._auth_lock:
            token = self._token
            if token is None or token.expires_at - REFRESH_MARGIN <= datetime.now(UTC):
                self._token = token = await self._authenticate()
            return token

    async def _authenticate(self) -> Token:
        version = self.section.keystone_version
        if version in ("auto", "v3"):
            try:
                return await self._auth_v3()
            except ApiError as err:
                if version == "v3" or err.status not in (404, 300):
                    raise
                log.info("keystone v3 absent; using v2.0", extra={"url": self.keystone_base})
        return await self._auth_v2()

    async def _auth_v3(self) -> Token:
        s = self.section
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": s.user, "domain": {"name": s.user_domain_name},
                "password": s.pwd.get_secret_value()}}},
            "scope": {"project": {"name": s.admin_project,
                                  "domain": {"name": s.project_domain_name}}},
        }}
        url = f"{self.keystone_base}/v3/auth/tokens"
        data, headers = await self._send("POST", url, payload=body, auth=False)
        value = headers.get("X-Subject-Token")
        if not value:
            raise ApiError("POST", url, 200, "no X-Subject-Token in the answer")
        token = data.get("token", {})
        return Token(value, parse_expiry(token.get("expires_at")),
                     token.get("project", {}).get("id", ""),
                     parse_v3_catalog(token.get("catalog", [])), "v3")

    async def _auth_v2(self) -> Token:
        s = self.section
        body = {"auth": {"passwordCredentials": {"username": s.user,
                                                 "password": s.pwd.get_secret_value()},
                         "tenantName": s.admin_project}}
        url = f"{self.keystone_base}/v2.0/tokens"
        data, _ = await self._send("POST", url, payload=body, auth=False)
        access = data.get("access", {})
        token = access.get("token", {})
        return Token(token.get("id", ""), parse_expiry(token.get("expires")),
                     token.get("tenant", {}).get("id", ""),
                     parse_v2_catalog(access.get("serviceCatalog", [])), "v2.0")

    # --- catalog --------------------------------------------------------------------

    async def regions(self) -> dict[str, list[Endpoint]]:
        """The catalog's endpoints grouped by region (the configured region only, if set)."""
        grouped: dict[str, list[Endpoint]] = {}
        for ep in (await self.token()).catalog:
            if self.section.region_name and ep.region != self.section.region_name:
                continue
            grouped.setdefault(ep.region, []).append(ep)
        return grouped

    async def endpoint(self, service: str, region: str | None = None) -> str:
        names = SERVICE_ALIASES.get(service, (service,))
        region = region or self.section.region_name
        candidates = [ep for ep in (await self.token()).catalog
                      if (ep.service_type in names or ep.service_name in names)
                      and ep.interface == self.section.interface
                      and (region is None or ep.region == region)]
        if not candidates:
            raise ApiError("GET", f"catalog:{service}", None,
                           f"no {self.section.interface} endpoint for {service}"
                           + (f" in region {region}" if region else ""))
        return self._rehost(candidates[0].url)

    def _rehost(self, url: str) -> str:
        override = self.section.endpoint_host
        if not override:
            return url
        parts = urlsplit(url)
        netloc = override if parts.port is None else f"{override}:{parts.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    @staticmethod
    def join(base: str, path: str) -> str:
        base = base.rstrip("/")
        path = path.lstrip("/")
        version = path.split("/", 1)[0]
        if re.fullmatch(r"v\d+(\.\d+)?", version):
            # a path naming its API version replaces the version the base ends with
            # (Keystone catalogs list .../v3 or .../v2.0; both APIs live under the root)
            base = re.sub(r"/v\d+(\.\d+)?$", "", base)
        return f"{base}/{path}" if path else base

    # --- calls ----------------------------------------------------------------------

    async def get(self, service: str, path: str, *, region: str | None = None,
                  params: dict[str, Any] | None = None) -> Any:
        url = self.join(await self.endpoint(service, region), path)
        data, _ = await self._send("GET", url, params=params)
        return data

    async def get_all(self, service: str, path: str, key: str, *, region: str | None = None,
                      params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every item of a listing, following the ``<key>_links`` ``next`` links.

        A session lives for one scan: the same listing asked for again (e.g. Neutron's
        agents, by the host, vConnector and vEdge fetchers) is read from the cloud once
        and shared. Callers treat the items as read-only.
        """
        url = self.join(await self.endpoint(service, region), path)
        listing_key = (url, key, tuple(sorted((params or {}).items())))
        shared = self._listings.get(listing_key)
        if shared is None:
            shared = self._listings[listing_key] = asyncio.get_running_loop().create_future()
            try:
                shared.set_result(await self._read_listing(url, key, params))
            except BaseException as err:
                del self._listings[listing_key]
                shared.set_exception(err if isinstance(err, Exception) else
                                     ApiError("GET", url, None, "listing interrupted"))
                shared.exception()  # retrieved: waiters (if any) get it, no warning
                raise
        return await asyncio.shield(shared)

    async def _read_listing(self, url: str, key: str, params: dict[str, Any] | None
                            ) -> list[dict[str, Any]]:
        next_url: str | None = url
        query: dict[str, Any] | None = dict(params or {})
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        while next_url is not None:
            data, _ = await self._send("GET", next_url, params=query)
            items.extend(data.get(key, []))
            nxt = next((link.get("href") for link in data.get(f"{key}_links", [])
                        if link.get("rel") == "next"), None)
            if nxt is None or nxt in seen:
                break
            seen.add(nxt)
            next_url, query = self._rehost(nxt), None
        return items

    async def _send(self, method: str, url: str, *, payload: Any = None,
                    params: dict[str, Any] | None = None, auth: bool = True
                    ) -> tuple[Any, dict[str, str]]:
        assert self._http is not None, "ApiSession used outside its context"
        reauthed = False
        attempt = 0
        while True:
            headers = {}
            if auth:
                headers["X-Auth-Token"] = (await self.token()).value
            try:
                async with self._slots:
                    self.calls += 1
                    async with self._http.request(method, url, json=payload, params=params,
                                                  headers=headers) as resp:
                        status = resp.status
                        body = await resp.read()
                        resp_headers = dict(resp.headers)
            except TimeoutError:
                raise FetchTimeout("api", f"{method} {url}",
                                   f"no answer within {self._timeout:g}s") from None
            except aiohttp.ClientError as err:
                if attempt < RETRIES:
                    attempt += 1
                    await asyncio.sleep(0.2 * attempt)
                    continue
                raise ApiError(method, url, None, f"{type(err).__name__}: {err}") from None
            if status == 401 and auth and not reauthed:
                reauthed = True
                async with self._auth_lock:
                    self._token = None
                continue
            if status >= 500 and attempt < RETRIES:
                attempt += 1
                await asyncio.sleep(0.2 * attempt)
                continue
            if status >= 300:
                raise ApiError(method, url, status, _error_detail(status, body))
            return _json(body, method, url), resp_headers


def _json(body: bytes, method: str, url: str) -> Any:
    if not body:
        return {}
    try:
        return json.loads(body)
    except ValueError:
        raise ApiError(method, url, 200, "answer is not JSON") from None


def _error_detail(status: int, body: bytes) -> str:
    text = body.decode(errors="replace")[:300]
    try:
        doc = json.loads(body)
    except ValueError:
        return f"HTTP {status}: {text}"
    if isinstance(doc, dict):
        for value in doc.values():
            if isinstance(value, dict) and "message" in value:
                return f"HTTP {status}: {value['message']}"
        if "message" in doc:
            return f"HTTP {status}: {doc['message']}"
    return f"HTTP {status}: {text}"
