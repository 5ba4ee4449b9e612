"""`SimCloud`: a simulated cloud served on every channel, for tests, the demo and benchmarks.

```python
async with SimCloud(spec, env_name="sim1", mysql_uri="mysql://root@127.0.0.1") as sim:
    doc = sim.env_config()        # an environments_config document pointing at the channels
    truth = sim.truth()           # what a correct scan finds; rebuilt after every change
    sim.cloud.create_instance(...)  # or through the APIs: sim.api.urls
```

Entering it generates the cloud (in a thread), serves the OpenStack APIs, then the SSH,
MySQL and AMQP channels when they are asked for and available. With `truth_path`, the
truth file is written in the background once serving (`await flush()` waits for it) and
rewritten after changes (debounced, temp file + rename, in a thread).
`SimProcess` runs `calipso sim` as a child process instead and waits for its files.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from calipso.env_config import EnvironmentConfig
from calipso.errors import ConfigError
from calipso.sim.api import ApiChannel, ApiOptions, open_api
from calipso.sim.cloud import Change, Cloud
from calipso.sim.generate import generate
from calipso.sim.spec import DISTRIBUTION, DRIVER_LABELS, TopologySpec
from calipso.sim.truth import build_truth

if TYPE_CHECKING:  # the channels import their libraries only when they are asked for
    from calipso.sim.amqp import AmqpChannel
    from calipso.sim.mysql import MysqlChannel
    from calipso.sim.ssh import SshChannel

log = logging.getLogger(__name__)
SSH_USER = "calipso"
Truth = dict[str, list[dict[str, Any]]]


def write_json_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `data` to `path` through a temporary file in the same directory and a rename,
    so a reader never sees half a file. Blocking: call it in a thread."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _dump(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def schema_prefix(env_name: str) -> str:
    """MySQL schema prefix of an environment: `sim_<name>_`, letters, digits and _ only."""
    return ("sim_" + re.sub(r"[^A-Za-z0-9_]", "_", env_name))[:39] + "_"


class TruthCache:
    """The truth of the cloud as of its current version, built (and serialised) lazily."""

    def __init__(self, cloud: Cloud, env_name: str) -> None:
        self.cloud = cloud
        self.env_name = env_name
        self._truth: Truth | None = None
        self._version = -1
        self._json: bytes | None = None
        self._json_version = -1

    @property
    def version(self) -> int:
        return self._version

    def get(self) -> Truth:
        if self._truth is None or self._version != self.cloud.version:
            self._version = self.cloud.version
            self._truth = build_truth(self.cloud, self.env_name)
        return self._truth

    async def json_bytes(self) -> tuple[int, bytes]:
        """(version, JSON of the truth); the dump runs in a thread."""
        truth = self.get()
        version = self._version
        if self._json is None or self._json_version != version:
            data = await asyncio.to_thread(_dump, truth)
            self._json, self._json_version = data, version
        return version, self._json


class SimCloud:
    """A generated cloud served over its channels while the context is open.

    Attributes once entered: `cloud` (the model, mutate it freely), `api` (`ApiChannel`:
    `urls`, `ports`, `set_faults`), `mysql` / `ssh` / `amqp` (the channels, or None).
    """

    def __init__(
        self, spec: TopologySpec, *, env_name: str = "sim", mysql_uri: str | None = None,
        amqp_uri: str | None = None, ssh: bool = True, api_latency_ms: float = 0.0,
        api_error_rate: float = 0.0, ssh_latency_ms: float = 0.0, db_latency_ms: float = 0.0,
        dead_hosts: int = 0, ssh_auth: str = "password", token_ttl: float = 3600.0,
        fault_seed: int = 0, api_options: ApiOptions | None = None,
        truth_path: Path | None = None, truth_debounce: float = 0.2,
        work_dir: Path | None = None, amqp_options: dict[str, Any] | None = None,
    ) -> None:
        if ssh_auth not in ("password", "key"):
            raise ConfigError(f"ssh_auth {ssh_auth!r}: password or key")
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", env_name):
            raise ConfigError(f"bad environment name {env_name!r}: letters, digits, _ . -")
        self.spec = spec
        self.env_name = env_name
        self.mysql_uri = mysql_uri
        self.amqp_uri = amqp_uri
        self.want_ssh = ssh
        self.ssh_latency_ms = ssh_latency_ms
        self.db_latency_ms = db_latency_ms
        self.dead_hosts = dead_hosts
        self.ssh_auth = ssh_auth
        self.api_options = api_options or ApiOptions(
            latency_ms=api_latency_ms, error_rate=api_error_rate, token_ttl=token_ttl,
            fault_seed=fault_seed)
        self.truth_path = truth_path
        self.truth_debounce = truth_debounce
        self.work_dir = work_dir
        self.amqp_options = dict(amqp_options or {})
        self.ssh_password: str | None = None
        self.ssh_key_path: Path | None = None
        self.known_hosts_path: Path | None = None
        self.generate_seconds = 0.0
        self._stack: AsyncExitStack | None = None
        self._cloud: Cloud | None = None
        self._truth: TruthCache | None = None
        self.api: ApiChannel | None = None
        self.mysql: MysqlChannel | None = None
        self.ssh: SshChannel | None = None
        self.amqp: AmqpChannel | None = None
        self._dirty = asyncio.Event()
        self._written = -1
        self._written_cond: asyncio.Condition | None = None

    # ---- lifetime ----------------------------------------------------------------------

    async def __aenter__(self) -> SimCloud:
        started = time.perf_counter()
        self._cloud = await asyncio.to_thread(generate, self.spec)
        self.generate_seconds = time.perf_counter() - started
        self._truth = TruthCache(self._cloud, self.env_name)
        async with AsyncExitStack() as stack:
            self.api = await stack.enter_async_context(
                open_api(self._cloud, self.api_options, truth=self.truth_json))
            await self._open_channels(stack)
            stack.callback(self._cloud.subscribe(self._on_change))
            if self.truth_path is not None:
                if not await asyncio.to_thread(self.truth_path.parent.is_dir):
                    raise ConfigError(f"truth file {self.truth_path}: no such directory")
                self._written_cond = asyncio.Condition()
                task = asyncio.create_task(self._truth_writer(), name=f"sim-truth:{self.env_name}")
                stack.push_async_callback(_cancel, task)
            log.info("sim cloud serving", extra={
                "env": self.env_name, "duration_ms": round(self.generate_seconds * 1e3),
                "count": len(self._cloud.instances)})
            self._stack = stack.pop_all()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._stack is not None:
            stack, self._stack = self._stack, None
            await stack.aclose()

    async def _open_channels(self, stack: AsyncExitStack) -> None:
        cloud = self.cloud
        if self.want_ssh:
            await self._open_ssh(stack)
        if self.mysql_uri:
            from calipso.sim.mysql import open_mysql_channel

            self.mysql = await stack.enter_async_context(open_mysql_channel(
                cloud, self.mysql_uri, prefix=schema_prefix(self.env_name),
                latency_ms=self.db_latency_ms))
        if self.amqp_uri:
            from calipso.sim.amqp import open_amqp_channel

            self.amqp = await stack.enter_async_context(open_amqp_channel(
                cloud, self.amqp_uri, **self.amqp_options))

    async def _open_ssh(self, stack: AsyncExitStack) -> None:
        """SSH hosts with a fresh password (or client key) for `SSH_USER`; the key and the
        known_hosts file go in `work_dir` (default: a temporary directory)."""
        import asyncssh

        from calipso.sim.ssh import open_ssh_channel

        work = self.work_dir
        if work is None:
            work = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="calipso-sim-"))
            stack.push_async_callback(asyncio.to_thread, shutil.rmtree, work, True)
        login: dict[str, Any] = {"user": SSH_USER}
        if self.ssh_auth == "key":
            key = asyncssh.generate_private_key("ssh-ed25519", comment=f"{SSH_USER}@sim")
            self.ssh_key_path = work / "id_ed25519"
            await asyncio.to_thread(_write_key, key, self.ssh_key_path)
            login["authorized_keys"] = [key]
        else:
            self.ssh_password = secrets.token_urlsafe(12)
            login["password"] = self.ssh_password
        self.ssh = await stack.enter_async_context(open_ssh_channel(
            self.cloud, latency_ms=self.ssh_latency_ms, dead_hosts=self.dead_hosts, **login))
        if self.api is not None:
            self.api.state.breakage = self.ssh.faults.breakage  # PUT /sim/breakage
        self.known_hosts_path = work / "known_hosts"
        await asyncio.to_thread(write_json_atomic, self.known_hosts_path,
                                self.ssh.known_hosts().encode())

    def _cli_section(self) -> dict[str, Any]:
        ssh = self.ssh
        assert ssh is not None
        section: dict[str, Any] = {"name": "CLI", "host": ssh.master_address, "port": ssh.port,
                                   "user": ssh.user, "known_hosts": str(self.known_hosts_path)}
        if self.ssh_key_path is not None:
            section["key"] = str(self.ssh_key_path)
        else:
            section["pwd"] = self.ssh_password
        return section

    # ---- the model and its truth -------------------------------------------------------

    @property
    def cloud(self) -> Cloud:
        if self._cloud is None:
            raise RuntimeError("SimCloud used outside its context")
        return self._cloud

    def truth(self) -> Truth:
        """What a correct scan finds, as of the cloud's current version."""
        if self._truth is None:
            raise RuntimeError("SimCloud used outside its context")
        return self._truth.get()

    async def truth_json(self) -> bytes:
        assert self._truth is not None
        return (await self._truth.json_bytes())[1]

    def set_faults(self, *, latency_ms: float | None = None,
                   error_rate: float | None = None) -> None:
        """Change the API channel's latency and 5xx rate while serving."""
        assert self.api is not None
        self.api.set_faults(latency_ms=latency_ms, error_rate=error_rate)

    def _on_change(self, change: Change) -> None:
        self._dirty.set()

    async def _write_truth(self) -> None:
        assert self._truth is not None and self.truth_path is not None
        version, data = await self._truth.json_bytes()
        await asyncio.to_thread(write_json_atomic, self.truth_path, data)
        assert self._written_cond is not None
        async with self._written_cond:
            self._written = version
            self._written_cond.notify_all()

    async def _truth_writer(self) -> None:
        """Write the truth file now, then again a debounce after each burst of changes.

        The debounce is at least twice the last write's duration: at 20,000 instances a
        rebuild holds the loop for seconds, and the channels must keep answering."""
        first = True
        took = 0.0
        while True:
            if not first:
                await self._dirty.wait()
                await asyncio.sleep(max(self.truth_debounce, 2 * took))
            first = False
            self._dirty.clear()
            started = time.perf_counter()
            try:
                await self._write_truth()
                took = time.perf_counter() - started
            except (OSError, ValueError):
                log.exception("sim truth file not written",
                              extra={"env": self.env_name, "path": str(self.truth_path)})

    async def flush(self) -> None:
        """Wait until the truth file holds the cloud's current version."""
        if self._written_cond is None:
            return
        async with self._written_cond:
            await self._written_cond.wait_for(lambda: self._written >= self.cloud.version)

    # ---- the environments_config document ----------------------------------------------

    def env_config(self) -> dict[str, Any]:
        """An `environments_config` document that points at this cloud's channels."""
        assert self.api is not None
        cloud = self.cloud
        admin = next(u for u in cloud.users.values() if u.name == "admin")
        versions = cloud.spec.keystone_versions
        sections: list[dict[str, Any]] = [{
            "name": "OpenStack", "host": self.api_options.host,
            "port": self.api.ports["keystone"], "user": admin.name, "pwd": admin.password,
            "admin_project": cloud.projects[admin.project_id].name,
            "auth_url": self.api.urls["keystone"] + ("/v3" if "v3" in versions else "/v2.0"),
            "keystone_version": "auto",
        }]
        if self.ssh is not None:
            sections.append(self._cli_section())
        if self.mysql is not None:
            sections.append(self.mysql.config())
        if self.amqp is not None:
            sections.append(self.amqp.config())
        doc = {
            "name": self.env_name, "type": "environment", "environment_type": "OpenStack",
            "distribution": DISTRIBUTION[0], "distribution_version": DISTRIBUTION[1],
            "mechanism_drivers": [DRIVER_LABELS[cloud.spec.driver]],
            "type_drivers": cloud.spec.type_driver, "listen": self.amqp is not None,
            "configuration": sections,
        }
        if self.ssh is not None:  # without the CLI section the document is incomplete
            EnvironmentConfig.model_validate(doc)
        return doc


def _write_key(key: Any, path: Path) -> None:
    key.write_private_key(path)
    path.chmod(0o600)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


# ---- the child-process form --------------------------------------------------------------

class SimProcess:
    """`calipso sim ARGS --write-env ENV --write-truth TRUTH` as a child process.

    Entering starts it and waits until both files exist (each appears whole: temp file and
    rename); leaving sends SIGTERM and waits for the exit.
    """

    def __init__(self, args: list[str], workdir: Path, *, start_timeout: float = 120.0,
                 stop_timeout: float = 15.0) -> None:
        self.args = list(args)
        self.env_path = workdir / "env.json"
        self.truth_path = workdir / "truth.json"
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.proc: asyncio.subprocess.Process | None = None
        self.env: dict[str, Any] = {}
        self.serving_seconds = 0.0  # spawn until the environment file (APIs, SSH serving)
        self.start_seconds = 0.0  # spawn until both files

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def __aenter__(self) -> SimProcess:
        for path in (self.env_path, self.truth_path):
            path.unlink(missing_ok=True)
        started = time.perf_counter()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "calipso.cli", "sim", *self.args,
            "--write-env", str(self.env_path), "--write-truth", str(self.truth_path),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        try:
            async with asyncio.timeout(self.start_timeout):
                while not (self.env_path.exists() and self.truth_path.exists()):
                    if not self.serving_seconds and self.env_path.exists():
                        self.serving_seconds = time.perf_counter() - started
                    if self.proc.returncode is not None:
                        err = (await self.proc.stderr.read()).decode()[-2000:]  # type: ignore[union-attr]
                        raise ConfigError(f"calipso sim exited {self.proc.returncode}: {err}")
                    await asyncio.sleep(0.05)
        except BaseException:
            await self._stop()
            raise
        self.start_seconds = time.perf_counter() - started
        self.env = json.loads(await asyncio.to_thread(self.env_path.read_bytes))
        return self

    async def truth(self) -> Truth:
        return json.loads(await asyncio.to_thread(self.truth_path.read_bytes))

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self._stop()

    async def _stop(self) -> int | None:
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return proc.returncode if proc else None
        proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(self.stop_timeout):
                await proc.communicate()
        except TimeoutError:
            proc.kill()
            await proc.wait()
        return proc.returncode
