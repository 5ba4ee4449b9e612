"""The simulator's SSH channel: one asyncssh server per simulated host, a master (jump) host,
faults and latency settable at run time.

```python
async with open_ssh_channel(cloud, user="calipso", password="pw") as ssh:
    conn = await asyncssh.connect(ssh.master_address, ssh.port, username="calipso",
                                  password="pw", known_hosts=None)
    host = await asyncssh.connect("node-2.cloud.local", ssh.port, tunnel=conn, ...)
```

Every host listens on its own loopback address (`Host.ssh_address`, 127.1.x.y) and one
shared port. The master is the first controller (as in real deployments, where the
controller is the SSH gateway; `uname -n` on it answers its own name). See README.md
("SSH channel") for the commands served and the fault setters.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import asyncssh

from calipso.errors import ConfigError
from calipso.sim.ssh.commands import HostTools
from calipso.sim.ssh.faults import CommandFault, Faults, RefuseMode
from calipso.sim.ssh.files import HostFiles
from calipso.sim.ssh.keys import load_host_keys, parse_authorized_keys
from calipso.sim.ssh.server import HostServer, handle_session
from calipso.sim.ssh.shell import Result, Shell

if TYPE_CHECKING:
    from calipso.sim.cloud import Cloud

log = logging.getLogger(__name__)
PORT_ATTEMPTS = 8
# Like `Ciphers` in an sshd_config: AES-GCM first. asyncssh spends about three times the
# CPU per packet on chacha20-poly1305 (measured), and every client speaks AES-GCM.
CIPHERS = ("aes256-gcm@openssh.com", "aes128-gcm@openssh.com", "aes256-ctr", "aes192-ctr",
           "aes128-ctr")


class SshChannel:
    """The running channel. Read `master_address`, `port`, `host_address(name)`,
    `host_key(name)`; change faults with the setters; count with `commands`."""

    def __init__(self, cloud: Cloud, *, user: str, password: str | None,
                 authorized_keys: set[bytes], master: str, ovs_legacy: bool,
                 faults: Faults, host_keys: dict[str, asyncssh.SSHKey]) -> None:
        self.cloud = cloud
        self.user = user
        self.password = password
        self.authorized_keys = authorized_keys
        self.master_name = master
        self.ovs_legacy = ovs_legacy
        self.faults = faults
        self.port = 0
        self.commands = 0
        self.commands_by_host: Counter[str] = Counter()
        self.forwards = 0
        self.logins = 0
        self.startup_seconds = 0.0
        # SFTP: each host's files under a directory of its own (files.py)
        self.files_root = Path(tempfile.mkdtemp(prefix="calipso-sim-files-"))
        self.files_written: Counter[str] = Counter()
        self.restarts: Counter[tuple[str, str]] = Counter()  # (host, unit)
        self._host_keys = host_keys
        self._listeners: dict[str, asyncssh.SSHAcceptor] = {}
        self._conns: dict[str, set[asyncssh.SSHServerConnection]] = {}
        self._shells: dict[str, Shell] = {}
        self._ifindex: dict[str, dict[str, int]] = {}
        self._names: dict[str, str] = {}
        for host in cloud.hosts.values():
            for alias in (host.name, host.name.split(".")[0], host.ip, host.ssh_address):
                self._names.setdefault(alias, host.name)

    # ---- addresses and keys ----------------------------------------------------------

    @property
    def master_address(self) -> str:
        return self.cloud.host(self.master_name).ssh_address

    def host_address(self, name: str) -> str:
        return self.cloud.host(name).ssh_address

    def host_key(self, name: str) -> str:
        """The host's public key, one OpenSSH line (`ssh-ed25519 AAAA… root@host`)."""
        key = self._host_keys[self.cloud.host(name).name]
        return key.export_public_key().decode().strip()

    def known_hosts(self) -> str:
        """known_hosts lines for every host, by ssh address, name and management ip."""
        lines = []
        for host in self.cloud.hosts.values():
            names = ",".join(f"[{a}]:{self.port}" for a in (host.ssh_address, host.name,
                                                            host.ip))
            lines.append(f"{names} {self.host_key(host.name)}")
        return "\n".join(lines) + "\n"

    def resolve(self, name: str) -> str | None:
        """The ssh address of a host named by name, short name, ip or ssh address."""
        host = self._names.get(name)
        return self.cloud.hosts[host].ssh_address if host else None

    @property
    def dead_hosts(self) -> list[str]:
        return [h for h, mode in self.faults.refused.items() if mode == "closed"]

    # ---- fault setters ---------------------------------------------------------------

    def set_latency(self, ms: float) -> None:
        self.faults.latency_ms = ms

    def set_slow_host(self, name: str, ms: float) -> None:
        """Add `ms` to every command on `name` (0 clears it)."""
        host = self.cloud.host(name).name
        if ms:
            self.faults.slow_hosts[host] = ms
        else:
            self.faults.slow_hosts.pop(host, None)

    def fail_command(self, prefix: str, *, exit_status: int = 1, stderr: str = "",
                     stdout: str = "", hosts: Iterable[str] | None = None) -> None:
        """Commands starting with `prefix` (after `sudo`) fail on `hosts` (None: all)."""
        names = frozenset(self.cloud.host(h).name for h in hosts) if hosts is not None else None
        self.faults.command_faults.append(CommandFault(prefix, exit_status, stderr, stdout,
                                                       names))

    def clear_command_faults(self) -> None:
        self.faults.command_faults.clear()

    def set_sudo_warning(self, hosts: Iterable[str]) -> None:
        """These hosts' `sudo` prints `unable to resolve host` on stderr (exit 0)."""
        self.faults.sudo_warning_hosts = {self.cloud.host(h).name for h in hosts}
        for name, shell in self._shells.items():
            shell.sudo_warning = self._sudo_warning(name)

    def break_pnic(self, host: str, nic: str) -> None:
        """The NIC's link goes down (operstate, tunnel and provider reachability)."""
        self.faults.breakage.pnics_down.add((self.cloud.host(host).name, nic))

    def kill_process(self, host: str, name: str) -> None:
        """A process dies (`ovs-vswitchd`, `neutron-openvswitch-agent`, `dnsmasq`, ...)."""
        self.faults.breakage.dead.add((self.cloud.host(host).name, name))
        self.cloud.set_heartbeats(self.faults.breakage.dead)

    def remove_namespace(self, host: str, namespace: str) -> None:
        self.faults.breakage.gone_namespaces.add((self.cloud.host(host).name, namespace))

    def repair(self, host: str | None = None) -> None:
        """Undo every breakage (of one host, or all)."""
        self.faults.breakage.clear(self.cloud.host(host).name if host else None)
        self.cloud.set_heartbeats(self.faults.breakage.dead)

    async def refuse_host(self, name: str, mode: RefuseMode = "closed") -> None:
        """`closed`: the listener stops and open connections drop (host down).
        `auth`: it still answers, but refuses every login."""
        host = self.cloud.host(name).name
        self.faults.refused[host] = mode
        if mode == "closed":
            listener = self._listeners.pop(host, None)
            if listener is not None:
                listener.close()
                await listener.wait_closed()
            for conn in list(self._conns.get(host, ())):
                conn.abort()

    async def restore_host(self, name: str) -> None:
        host = self.cloud.host(name).name
        mode = self.faults.refused.pop(host, None)
        if mode == "closed" and host not in self._listeners:
            self._listeners[host] = await self._listen(host, self.port)

    def login_allowed(self, host: str, username: str) -> bool:
        return self.faults.refused.get(host) is None and username == self.user

    # ---- commands --------------------------------------------------------------------

    def _sudo_warning(self, host: str) -> str | None:
        if host not in self.faults.sudo_warning_hosts:
            return None
        return f"sudo: unable to resolve host {host}: Name or service not known"

    def shell(self, host: str) -> Shell:
        """The shell of `host` (also usable without sockets, e.g. in benchmarks)."""
        shell = self._shells.get(host)
        if shell is None:
            tools = HostTools(self.cloud, host, ovs_legacy=self.ovs_legacy,
                              ifindex_state=self._ifindex.setdefault(host, {}),
                              breakage=self.faults.breakage)
            shell = self._shells[host] = Shell(tools, tools.read_file, self._sudo_warning(host))
        return shell

    async def run_command(self, host: str, command: str) -> Result:
        self.commands += 1
        self.commands_by_host[host] += 1
        delay = self.faults.delay(host)
        if delay > 0:
            await asyncio.sleep(delay)
        fault = self.faults.command_fault(host, command)
        if fault is not None:
            return Result(fault.stdout, fault.stderr, fault.exit_status)
        words = command.split()
        if words[:1] == ["sudo"]:
            words = words[1:]
        if words[:2] == ["systemctl", "restart"] and len(words) == 3:
            self.restarts[(host, words[2])] += 1
            return Result()
        log.debug("sim ssh command", extra={"host": host, "command": command})
        return self.shell(host).run(command)

    # ---- listeners -------------------------------------------------------------------

    def track(self, host: str, conn: asyncssh.SSHServerConnection) -> None:
        self._conns.setdefault(host, set()).add(conn)

    def untrack(self, host: str, conn: asyncssh.SSHServerConnection) -> None:
        self._conns.get(host, set()).discard(conn)

    async def _listen(self, host: str, port: int) -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            self.cloud.hosts[host].ssh_address, port,
            server_factory=partial(HostServer, self, host, host == self.master_name),
            server_host_keys=[self._host_keys[host]],
            process_factory=partial(handle_session, self, host),
            sftp_factory=partial(HostFiles, self.files_root, self.files_written, host),
            encryption_algs=list(CIPHERS), allow_scp=False, login_timeout=30)

    async def start(self, port: int) -> None:
        started = time.perf_counter()
        wanted = port
        for _attempt in range(PORT_ATTEMPTS):
            try:
                await self._listen_all(wanted)
                break
            except OSError as err:
                await self.close()
                if err.errno != errno.EADDRINUSE or port:
                    raise ConfigError(f"sim ssh: cannot listen on port {wanted}: {err}"
                                      ) from err
                wanted = 0
        else:
            raise ConfigError(f"sim ssh: no port free on every host address after "
                              f"{PORT_ATTEMPTS} attempts")
        self.startup_seconds = time.perf_counter() - started
        log.info("sim ssh listening", extra={"count": len(self._listeners), "port": self.port,
                                             "duration_ms": self.startup_seconds * 1000})

    async def _listen_all(self, port: int) -> None:
        hosts = [h for h in self.cloud.hosts if self.faults.refused.get(h) != "closed"]
        first = self.master_name if self.master_name in hosts else hosts[0]
        listener = await self._listen(first, port)
        self._listeners[first] = listener
        self.port = listener.get_port()
        for host in hosts:
            if host not in self._listeners:
                self._listeners[host] = await self._listen(host, self.port)

    async def close(self) -> None:
        shutil.rmtree(self.files_root, ignore_errors=True)
        listeners, self._listeners = list(self._listeners.values()), {}
        for listener in listeners:
            listener.close()
        await asyncio.gather(*(listener.wait_closed() for listener in listeners))
        for conns in self._conns.values():
            for conn in list(conns):
                conn.abort()


def _master_of(cloud: Cloud, master: str | None) -> str:
    if master is not None:
        return cloud.host(master).name
    return next((h.name for h in cloud.hosts.values() if "controller" in h.roles),
                next(iter(cloud.hosts)))


def _dead(cloud: Cloud, master: str, count: int) -> list[str]:
    """The last `count` hosts that are not the master, computes first."""
    others = [h for h in cloud.hosts.values() if h.name != master]
    others.sort(key=lambda h: (not h.is_compute, -h.index))
    return [h.name for h in others[:count]]


@asynccontextmanager
async def open_ssh_channel(
    cloud: Cloud, *, user: str = "calipso", password: str | None = None,
    authorized_keys: str | Iterable[str | asyncssh.SSHKey] | None = None,
    latency_ms: float = 0, dead_hosts: int = 0, port: int = 0, master: str | None = None,
    ovs_legacy: bool = False, sudo_warning_hosts: Iterable[str] = (),
    host_keys_dir: Path | None = None,
) -> AsyncIterator[SshChannel]:
    """Serve every host of `cloud` over SSH until the block ends.

    `password` and/or `authorized_keys` (an authorized_keys text or public keys) admit
    `user`. `port` 0 picks a free port shared by all hosts. `dead_hosts` closes that many
    hosts (computes first, never the master). `ovs_legacy` answers `ovs-vsctl show` in the
    OVS 2.x layout. `host_keys_dir` keeps host keys across runs.
    """
    if password is None and not authorized_keys:
        raise ConfigError("sim ssh: give a password or authorized keys")
    master_name = _master_of(cloud, master)
    keys = await asyncio.to_thread(load_host_keys, list(cloud.hosts), host_keys_dir)
    faults = Faults(latency_ms=latency_ms,
                    sudo_warning_hosts={cloud.host(h).name for h in sudo_warning_hosts})
    for name in _dead(cloud, master_name, dead_hosts):
        faults.refused[name] = "closed"
    channel = SshChannel(cloud, user=user, password=password,
                         authorized_keys=parse_authorized_keys(authorized_keys),
                         master=master_name, ovs_legacy=ovs_legacy, faults=faults,
                         host_keys=keys)
    await channel.start(port)
    try:
        yield channel
    finally:
        await channel.close()
