"""A host made of real tools for parser tests: a network namespace of its own with a
userspace Open vSwitch (``datapath_type=netdev``, no kernel module) whose database and
daemon sockets live in the test's directory, and namespaces, veths and Linux bridges the
test creates there. Everything is removed on exit: the daemons by the pids they wrote,
the namespaces by name. Needs root and Debian's ``openvswitch-switch``, ``bridge-utils``
and ``iproute2`` (``scripts/test`` installs them); ``skip_reason()`` says what is missing.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

TOOLS = ("ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-appctl", "ovsdb-tool", "brctl",
         "ip")
SCHEMA = Path("/usr/share/openvswitch/vswitch.ovsschema")


def skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root: network namespaces and Open vSwitch (run by scripts/test as root)"
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing or not SCHEMA.exists():
        return (f"real tools missing ({', '.join(missing) or SCHEMA}); scripts/test "
                "installs openvswitch-switch and bridge-utils")
    return None


def run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {done.returncode}: {done.stderr.strip()}")
    return done.stdout


class RealHost:
    """``with RealHost(tmp_path) as host:``, then ``host.sh(...)`` in its namespace."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir
        self.ns = f"calipso-t-{uuid.uuid4().hex[:8]}"
        self.namespaces: list[str] = []
        self.db = f"unix:{workdir / 'db.sock'}"
        # the daemons' run directory (bridge management sockets) is the test's too
        self.env = [f"OVS_RUNDIR={workdir}"]

    def __enter__(self) -> RealHost:
        self.add_namespace(self.ns)
        d = self.dir
        run("ovsdb-tool", "create", str(d / "conf.db"), str(SCHEMA))
        run("ovsdb-server", str(d / "conf.db"), f"--remote=punix:{d / 'db.sock'}",
            f"--unixctl={d / 'ovsdb.ctl'}", f"--pidfile={d / 'ovsdb.pid'}",
            f"--log-file={d / 'ovsdb.log'}", "--detach", "--no-chdir")
        run("ovs-vsctl", f"--db={self.db}", "--no-wait", "init")
        self.sh("ovs-vswitchd", self.db, f"--unixctl={d / 'vswitchd.ctl'}",
                f"--pidfile={d / 'vswitchd.pid'}", f"--log-file={d / 'vswitchd.log'}",
                "--detach", "--no-chdir", "--disable-system")
        return self

    def __exit__(self, *exc: object) -> None:
        for name in ("vswitchd.pid", "ovsdb.pid"):
            self._stop(self.dir / name)
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)

    def _stop(self, pidfile: Path) -> None:
        try:
            pid = int(pidfile.read_text().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)

    def add_namespace(self, name: str) -> None:
        run("ip", "netns", "add", name)
        self.namespaces.append(name)

    def sh(self, *args: str, ns: str | None = None) -> str:
        """A command in the host's namespace (or in ``ns``), its stdout."""
        return run("ip", "netns", "exec", ns or self.ns, "env", *self.env, *args)

    def vsctl(self, *args: str) -> str:
        return self.sh("ovs-vsctl", f"--db={self.db}", "--timeout=10", *args)

    def appctl(self, *args: str) -> str:
        return self.sh("ovs-appctl", "-t", str(self.dir / "vswitchd.ctl"), *args)
