#!/usr/bin/env python3
"""Sensu check: a host NIC's link state. Usage: check_pnic_ovs.py IFNAME

Exit 0 when the link is up, 1 when its state is unknown or dormant, 2 when it is down or
the NIC does not exist. Python standard library only (runs on any host).
"""

import sys


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: check_pnic_ovs.py IFNAME")
        return 3
    name = argv[0]
    if "/" in name or name in (".", ".."):
        print(f"{name}: not an interface name")
        return 2
    try:
        with open(f"/sys/class/net/{name}/operstate") as f:
            state = f.read().strip()
    except OSError:
        print(f"{name}: no such interface")
        return 2
    if state == "up":
        print(f"{name}: link up")
        return 0
    print(f"{name}: link {state}")
    return 1 if state in ("unknown", "dormant") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
