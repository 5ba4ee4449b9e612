#!/usr/bin/env python3
"""Sensu check: Open vSwitch is alive on this host and has its ports.
Usage: check_vedge_ovs.py [--rundir DIR] [--appctl-target TARGET] [PORT ...]

Exit 2 when ovs-vswitchd or ovsdb-server is not running (the process of the pid its pid
file in DIR names, default /var/run/openvswitch), 1 when a PORT given is not in the
datapath (``ovs-appctl dpctl/show``), else 0. Python standard library only.
"""

import os
import re
import subprocess
import sys

DAEMONS = ("ovs-vswitchd", "ovsdb-server")


def running(daemon: str, rundir: str) -> bool:
    """The pid file's process is alive and is that daemon."""
    try:
        with open(os.path.join(rundir, f"{daemon}.pid")) as f:
            pid = int(f.read().strip())
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip() == daemon[:15]
    except (OSError, ValueError):
        return False


def datapath_ports(target: str | None) -> set[str] | None:
    command = ["ovs-appctl"] + (["-t", target] if target else []) + ["dpctl/show"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return set(re.findall(r"^\s*port \d+: (\S+)", done.stdout, re.M))


def main(argv: list[str]) -> int:
    options = {"--rundir": "/var/run/openvswitch", "--appctl-target": None}
    for name in options:
        if name in argv:
            i = argv.index(name)
            options[name] = argv[i + 1] if i + 1 < len(argv) else None
            argv = argv[:i] + argv[i + 2:]
    target, rundir = options["--appctl-target"], options["--rundir"] or ""
    down = [d for d in DAEMONS if not running(d, rundir)]
    if down:
        print(f"{' and '.join(down)} not running")
        return 2
    if not argv:
        print("ovs-vswitchd and ovsdb-server running")
        return 0
    ports = datapath_ports(target)
    if ports is None:
        print("ovs-vswitchd does not answer")
        return 2
    missing = [p for p in argv if p not in ports]
    if missing:
        print(f"ports missing: {', '.join(missing)}")
        return 1
    print(f"running, {len(argv)} ports present")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
