#!/usr/bin/env python3
"""Sensu check: a vConnector (Linux bridge or Open vSwitch bridge) is present.
Usage: check_vconnector.py BRIDGE [--ovs-db DB]

Exit 0 when BRIDGE is a Linux bridge or an OVS bridge, 2 when it is neither.
Python standard library only.
"""

import os
import subprocess
import sys


def ovs_bridge(bridge: str, db: str | None) -> bool:
    command = ["ovs-vsctl", "--timeout=5"] + ([f"--db={db}"] if db else [])
    try:
        done = subprocess.run([*command, "br-exists", bridge], capture_output=True,
                              timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def main(argv: list[str]) -> int:
    db = None
    if "--ovs-db" in argv:
        i = argv.index("--ovs-db")
        db = argv[i + 1] if i + 1 < len(argv) else None
        argv = argv[:i] + argv[i + 2:]
    if len(argv) != 1 or "/" in argv[0]:
        print("usage: check_vconnector.py BRIDGE [--ovs-db DB]")
        return 3
    bridge = argv[0]
    if os.path.isdir(f"/sys/class/net/{bridge}/bridge"):
        print(f"{bridge}: Linux bridge present")
        return 0
    if ovs_bridge(bridge, db):
        print(f"{bridge}: OVS bridge present")
        return 0
    print(f"{bridge}: no such bridge")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
