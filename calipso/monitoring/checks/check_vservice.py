#!/usr/bin/env python3
"""Sensu check: a vService (DHCP or router namespace) has its processes.
Usage: check_vservice.py [SERVICE_TYPE] NAMESPACE

Exit 0 when a process runs in NAMESPACE (dnsmasq for DHCP, the metadata proxy for a
router), 2 when none does or the namespace is gone. Python standard library only.
"""

import subprocess
import sys


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print("usage: check_vservice.py [SERVICE_TYPE] NAMESPACE")
        return 3
    ns = argv[-1]
    try:
        done = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        print(f"{ns}: cannot run ip netns: {err}")
        return 2
    if done.returncode != 0:
        print(f"{ns}: namespace missing")
        return 2
    pids = done.stdout.split()
    if not pids:
        print(f"{ns}: no process in the namespace")
        return 2
    print(f"{ns}: {len(pids)} processes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
