"""A RabbitMQ node of the test's own, so a test can stop and start the broker: the
machine's RabbitMQ (127.0.0.1:5672) is shared and never stopped.

The node runs from a temporary directory (database, logs, config, Erlang cookie in its
own ``HOME``) on free ports below the ephemeral range, and is stopped at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

SBIN = Path("/usr/lib/rabbitmq/bin")  # Debian's scripts; /usr/sbin's wrappers su to rabbitmq


def _tool(name: str) -> str | None:
    return str(SBIN / name) if (SBIN / name).exists() else shutil.which(name)


def _free_ports() -> int:
    """A port p with p and p + 1 free (AMQP and Erlang distribution), below the ephemeral
    range (a port there may be taken by an outgoing connection meanwhile)."""
    for _ in range(100):
        port = random.randrange(20000, 32000)
        try:
            for p in (port, port + 1):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair for a RabbitMQ node")


@dataclass
class OwnBroker:
    node: str
    port: int
    home: Path
    ctl_path: str
    env: dict[str, str]

    @property
    def uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    async def ctl(self, *args: str, within: float = 60) -> str:
        """``rabbitmqctl -n <node> args``; its output, or RuntimeError saying why not."""
        proc = await asyncio.create_subprocess_exec(
            self.ctl_path, "-n", self.node, *args, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            async with asyncio.timeout(within):
                out, _ = await proc.communicate()
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: no answer in {within} s"
                               ) from None
        text = out.decode(errors="replace")
        if proc.returncode:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {text.strip()[-500:]}")
        return text


@contextlib.asynccontextmanager
async def own_broker(base: Path) -> AsyncIterator[OwnBroker]:
    """Start the node (RuntimeError when it cannot) and stop it at the end."""
    server, ctl = _tool("rabbitmq-server"), _tool("rabbitmqctl")
    if server is None or ctl is None:
        raise FileNotFoundError("rabbitmq-server is not installed")
    port = _free_ports()
    node = f"calipso-test-{uuid.uuid4().hex[:8]}@localhost"
    (base / "rabbitmq.conf").write_text(f"listeners.tcp.1 = 127.0.0.1:{port}\n")
    (base / "enabled_plugins").write_text("[].\n")
    (base / "rabbitmq-env.conf").write_text("")  # not the machine's (its node name)
    env = {**os.environ, "HOME": str(base), "RABBITMQ_NODENAME": node,
           "RABBITMQ_DIST_PORT": str(port + 1),
           "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
           "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
           "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
           "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
           "RABBITMQ_MNESIA_BASE": str(base / "mnesia"), "RABBITMQ_LOG_BASE": str(base / "log"),
           "RABBITMQ_PID_FILE": str(base / "node.pid"),
           "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS":
               "-kernel inet_dist_use_interface {127,0,0,1}"}
    with (base / "server.out").open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            server, env=env, stdout=out, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True)
    broker = OwnBroker(node, port, base, ctl, env)
    try:
        try:
            await broker.ctl("wait", "--timeout", "90", str(base / "node.pid"), within=120)
        except RuntimeError as err:
            log = (base / "server.out").read_text(errors="replace")[-1500:]
            raise RuntimeError(f"{err}\n{log}") from None
        yield broker
    finally:
        with contextlib.suppress(RuntimeError):
            await broker.ctl("stop", within=60)
        if proc.returncode is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 30)
        if proc.returncode is None:  # our own session only: the node and its helpers
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
