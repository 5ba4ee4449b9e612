#!/usr/bin/env python3
"""Sensu check: a vNIC is attached to its vConnector.
Usage: check_vnic_vconnector.py BRIDGE VNIC [--ovs-db DB]

VNIC is the interface name or its MAC address. Exit 0 when the interface is a port of
BRIDGE (a Linux bridge, or else an OVS bridge), 2 when it is not. Python standard
library only.
"""

import os
import subprocess
import sys


def _mac(name: str) -> str:
    try:
        with open(f"/sys/class/net/{name}/address") as f:
            return f.read().strip().lower()
    except OSError:
        return ""


def linux_ports(bridge: str) -> list[str] | None:
    try:
        return sorted(os.listdir(f"/sys/class/net/{bridge}/brif"))
    except OSError:
        return None


def ovs_ports(bridge: str, db: str | None) -> list[str] | None:
    command = ["ovs-vsctl", "--timeout=5"] + ([f"--db={db}"] if db else [])
    try:
        done = subprocess.run([*command, "list-ports", bridge], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.split() if done.returncode == 0 else None


def main(argv: list[str]) -> int:
    db = None
    if "--ovs-db" in argv:
        i = argv.index("--ovs-db")
        db = argv[i + 1] if i + 1 < len(argv) else None
        argv = argv[:i] + argv[i + 2:]
    if len(argv) != 2 or "/" in argv[0]:
        print("usage: check_vnic_vconnector.py BRIDGE VNIC [--ovs-db DB]")
        return 3
    bridge, vnic = argv[0], argv[1].lower()
    ports = linux_ports(bridge)
    if ports is None:
        ports = ovs_ports(bridge, db)
    if ports is None:
        print(f"{bridge}: no such bridge")
        return 2
    for port in ports:
        if port.lower() == vnic or _mac(port) == vnic:
            print(f"{argv[1]} attached to {bridge} as {port}")
            return 0
    print(f"{argv[1]} not attached to {bridge}")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
