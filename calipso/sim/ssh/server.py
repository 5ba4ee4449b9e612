"""asyncssh glue: one `SSHServer` per connection to a simulated host, and its sessions.

Authentication is by password and/or public key against the channel's credentials (a host
marked `auth`-refused rejects every login). The master host also accepts direct-tcpip
requests (what `ssh -J` and asyncssh's `tunnel=` send) to `<host name>:<port>`,
`<short name>`, `<management ip>` or `<ssh address>` of any simulated host, and connects
them to that host's listener over loopback, so a dead host refuses as a real one would.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import asyncssh

if TYPE_CHECKING:
    from calipso.sim.ssh.channel import SshChannel

log = logging.getLogger(__name__)


class HostServer(asyncssh.SSHServer):
    """The server side of one SSH connection to `host`."""

    def __init__(self, channel: SshChannel, host: str, master: bool) -> None:
        self.channel = channel
        self.host = host
        self.master = master
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        self.channel.track(self.host, conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn is not None:
            self.channel.untrack(self.host, self.conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return self.channel.password is not None

    def validate_password(self, username: str, password: str) -> bool:
        return self._login(self.channel.login_allowed(self.host, username)
                           and password == self.channel.password)

    def public_key_auth_supported(self) -> bool:
        return bool(self.channel.authorized_keys)

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return self._login(self.channel.login_allowed(self.host, username)
                           and key.public_data in self.channel.authorized_keys)

    def _login(self, ok: bool) -> bool:
        if ok:
            self.channel.logins += 1
        return ok

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str,
                             orig_port: int) -> Any:
        if not self.master:
            raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED,
                                            "open failed")
        address = self.channel.resolve(dest_host)
        if address is None:
            raise asyncssh.ChannelOpenError(asyncssh.OPEN_CONNECT_FAILED,
                                            "Name or service not known")
        self.channel.forwards += 1
        log.debug("sim ssh forward", extra={"host": dest_host, "address": address})
        return _forward(address, dest_port)


async def _forward(address: str, port: int) -> TcpPipe:
    """Open the TCP connection to a host's listener before accepting the channel, so a
    closed host refuses the open request as sshd does."""
    try:
        reader, writer = await asyncio.open_connection(address, port)
    except OSError:
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_CONNECT_FAILED,
                                        "connect failed: Connection refused") from None
    return TcpPipe(reader, writer)


class TcpPipe(asyncssh.SSHTCPSession[bytes]):
    """Bytes between a direct-tcpip channel and a TCP connection, both ways, with EOF.

    (asyncssh's own forwarder loses the connection under uvloop; this one uses streams.)
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.task: asyncio.Task[None] | None = None

    def connection_made(self, chan: asyncssh.SSHTCPChannel[bytes]) -> None:
        self.task = asyncio.get_running_loop().create_task(self._pump(chan),
                                                           name="sim-ssh-forward")

    async def _pump(self, chan: asyncssh.SSHTCPChannel[bytes]) -> None:
        try:
            while data := await self.reader.read(65536):
                chan.write(data)
            chan.write_eof()
        except (OSError, asyncssh.Error):
            chan.close()

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        self.writer.write(data)

    def eof_received(self) -> bool:
        if self.writer.can_write_eof():
            self.writer.write_eof()
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        if self.task is not None:
            self.task.cancel()
        self.writer.close()


async def handle_session(channel: SshChannel, host: str,
                         process: asyncssh.SSHServerProcess[str]) -> None:
    """One exec or shell session on `host`."""
    try:
        if process.command is None:
            await _interactive(channel, host, process)
            return
        result = await channel.run_command(host, process.command)
        process.stdout.write(result.stdout)
        process.stderr.write(result.stderr)
        process.exit(result.exit_status)
    except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged, BrokenPipeError,
            ConnectionError):
        process.exit(1)
    except Exception:  # a session is a task boundary: answer, log, keep serving
        log.exception("sim ssh command failed", extra={"host": host,
                                                       "command": process.command})
        process.stderr.write("simulator: internal error\n")
        process.exit(1)


async def _interactive(channel: SshChannel, host: str,
                       process: asyncssh.SSHServerProcess[str]) -> None:
    """A minimal login shell: one command per line, `exit` ends it."""
    short = host.split(".")[0]
    prompt = f"{process.get_extra_info('username')}@{short}:~# "
    process.stdout.write(prompt)
    status = 0
    async for line in process.stdin:
        command = line.strip()
        if command in ("exit", "logout"):
            break
        if command:
            result = await channel.run_command(host, command)
            process.stdout.write(result.stdout)
            process.stderr.write(result.stderr)
            status = result.exit_status
        process.stdout.write(prompt)
    process.exit(status)
