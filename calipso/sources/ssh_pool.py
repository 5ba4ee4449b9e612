"""SSH to the cloud's hosts: one connection per host, reused for its commands.

A host is reached, in order of preference: by its own entry in ``CLI.hosts``; as the
master host itself (its address, or the name ``uname -n`` gives on it); directly when
``CLI.direct`` is set; else through the master (jump) host, as real deployments do.
Bounds: total connections open, commands at once per host, and handshakes at once
through the jump host (OpenSSH drops more than 10 unauthenticated connections).
Host keys are checked against ``CLI.known_hosts`` when set, else pinned on first use.
A pool may be shared by several users of one environment (``SshPools``): ``release``
closes a host's connection only once no command runs on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

import asyncssh

from calipso.env_config import CliSection
from calipso.errors import FetchTimeout, SshError
from calipso.settings import Settings
from calipso.sources.host_keys import HostKeyStore

log = logging.getLogger(__name__)

Connection = asyncssh.SSHClientConnection
# A host that could not be reached is not tried again for this long: one dead host costs
# one connect timeout per scan, not one per command.
UNREACHABLE_FOR = 60.0


class SshPool:
    def __init__(self, section: CliSection, settings: Settings,
                 host_keys: HostKeyStore | None) -> None:
        self.section = section
        self._host_keys = None if section.known_hosts else host_keys
        self._connect_timeout = settings.ssh_connect_timeout
        self._command_timeout = settings.ssh_command_timeout
        self._per_host = settings.max_ssh_channels_per_host
        self._conn_slots = asyncio.Semaphore(settings.max_ssh_connections)
        self._handshakes = asyncio.Semaphore(settings.max_ssh_handshakes_per_jump)
        self._conns: dict[str, Connection] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._channels: dict[str, asyncio.Semaphore] = {}
        self._unreachable: dict[str, tuple[str, float]] = {}
        self._busy: dict[str, int] = {}
        self._close_when_idle: set[str] = set()
        self._master: Connection | None = None
        self._master_name: str | None = None
        self._master_lock = asyncio.Lock()
        self._client_keys: list[Any] | None = None
        self.commands = 0

    async def __aenter__(self) -> SshPool:
        if self._host_keys is not None:
            await self._host_keys.load()
        if self.section.key:
            self._client_keys = await asyncio.to_thread(self._read_keys, self.section.key)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        for host in list(self._conns):
            await self.release(host)
        if self._master is not None:
            self._master.close()
            await self._master.wait_closed()

    @staticmethod
    def _read_keys(path: str) -> list[Any]:
        try:
            return [asyncssh.read_private_key(path)]
        except (OSError, asyncssh.KeyImportError) as err:
            raise SshError("-", "read key", f"cannot read private key {path}: {err}") from None

    # --- connections ----------------------------------------------------------------

    async def _known_hosts(self, name: str) -> Any:
        if self.section.known_hosts:
            return self.section.known_hosts
        if self._host_keys is None:
            return None
        pinned = self._host_keys.pinned(name)
        return None if pinned is None else ([asyncssh.import_public_key(pinned)], [], [])

    async def _open(self, name: str, address: str, port: int, *, user: str | None = None,
                    password: str | None = None, key: str | None = None,
                    tunnel: Connection | None = None) -> Connection:
        options: dict[str, Any] = {
            "username": user or self.section.user,
            "known_hosts": await self._known_hosts(name),
            "connect_timeout": self._connect_timeout,
        }
        pwd = password or (self.section.pwd.get_secret_value() if self.section.pwd else None)
        if pwd:
            options["password"] = pwd
        keys = await asyncio.to_thread(self._read_keys, key) if key else self._client_keys
        options["client_keys"] = keys or None
        try:
            conn = await asyncssh.connect(address, port, tunnel=tunnel, **options)
        except asyncssh.HostKeyNotVerifiable as err:
            raise SshError(name, "connect", f"host key changed or unknown; refused ({err})"
                           ) from None
        except (OSError, asyncssh.Error, TimeoutError) as err:
            reason = str(err) or type(err).__name__
            raise SshError(name, "connect", f"cannot connect: {reason}") from None
        if self._host_keys is not None and self._host_keys.pinned(name) is None:
            server_key = conn.get_server_host_key()
            if server_key is not None:
                await self._host_keys.pin(name, server_key.export_public_key().decode().strip())
        return conn

    async def _master_conn(self) -> Connection:
        async with self._master_lock:
            if self._master is None:
                s = self.section
                self._master = await self._open(s.host, s.host, s.port)
                result = await self._master.run("uname -n", check=False)
                self._master_name = str(result.stdout or "").strip() or None
            return self._master

    async def _connect(self, host: str) -> Connection:
        s = self.section
        own = s.hosts.get(host)
        if own is not None:
            return await self._open(host, own.host, own.port, user=own.user,
                                    password=own.pwd.get_secret_value() if own.pwd else None,
                                    key=own.key)
        if s.direct:
            return await self._open(host, host, s.port)
        master = await self._master_conn()
        async with self._handshakes:
            return await self._open(host, host, s.port, tunnel=master)

    async def _connection(self, host: str) -> Connection:
        if host == self.section.host or (host == self._master_name and host not in
                                         self.section.hosts):
            return await self._master_conn()
        if host not in self.section.hosts and not self.section.direct:
            await self._master_conn()  # learn the master's own name first
            if host == self._master_name:
                return await self._master_conn()
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            known = self._unreachable.get(host)
            if known is not None and time.monotonic() < known[1]:
                raise SshError(host, "connect", known[0])
            conn = self._conns.get(host)
            if conn is not None:
                return conn
            await self._conn_slots.acquire()
            try:
                conn = await self._connect(host)
            except SshError as err:
                self._conn_slots.release()
                self._unreachable[host] = (err.detail, time.monotonic() + UNREACHABLE_FOR)
                log.warning("host unreachable", extra={"host": host, "error": err.detail})
                raise
            except BaseException:
                self._conn_slots.release()
                raise
            self._conns[host] = conn
            return conn

    async def release(self, host: str) -> None:
        """Close the host's connection (its part of the work is done) once it is idle."""
        if self._busy.get(host):
            self._close_when_idle.add(host)
            return
        self._close_when_idle.discard(host)
        conn = self._conns.pop(host, None)
        if conn is None:
            return
        conn.close()
        try:
            await asyncio.wait_for(conn.wait_closed(), 5)
        except TimeoutError:
            log.debug("ssh close timed out", extra={"host": host})
        finally:
            self._conn_slots.release()

    # --- commands -------------------------------------------------------------------

    async def run(self, host: str, command: str) -> str:
        """Run ``command`` on ``host``; its stdout. A non-zero exit raises ``SshError``."""
        if self.section.use_sudo and not command.startswith("sudo "):
            command = f"sudo {command}"
        try:
            conn = await self._connection(host)
        except SshError as err:
            raise SshError(host, command, err.detail) from None
        channels = self._channels.setdefault(host, asyncio.Semaphore(self._per_host))
        self._busy[host] = self._busy.get(host, 0) + 1
        try:
            async with channels:
                self.commands += 1
                result = await asyncio.wait_for(conn.run(command, check=False),
                                                self._command_timeout)
        except TimeoutError:
            raise FetchTimeout("ssh", f"{host}: {command}",
                               f"no answer within {self._command_timeout:g}s") from None
        except (OSError, asyncssh.Error) as err:
            raise SshError(host, command, f"connection lost: {err}") from None
        finally:
            self._busy[host] -= 1
            if not self._busy[host] and host in self._close_when_idle:
                await self.release(host)
        stdout = str(result.stdout or "")
        if result.exit_status != 0:
            stderr = str(result.stderr or "").strip()
            raise SshError(host, command, f"exit status {result.exit_status}: "
                           f"{stderr[-300:] or 'no error output'}", result.exit_status,
                           stderr[-300:])
        log.debug("ssh command", extra={"host": host, "command": command})
        return stdout

    @contextlib.asynccontextmanager
    async def sftp(self, host: str) -> AsyncIterator[asyncssh.SFTPClient]:
        """An SFTP session on ``host``'s pooled connection (monitoring deployment)."""
        try:
            conn = await self._connection(host)
        except SshError as err:
            raise SshError(host, "sftp", err.detail) from None
        self._busy[host] = self._busy.get(host, 0) + 1
        try:
            async with conn.start_sftp_client() as client:
                yield client
        except (OSError, asyncssh.Error) as err:
            raise SshError(host, "sftp", f"{type(err).__name__}: {err}") from None
        finally:
            self._busy[host] -= 1
            if not self._busy[host] and host in self._close_when_idle:
                await self.release(host)
