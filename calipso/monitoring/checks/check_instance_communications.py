#!/usr/bin/env python3
"""Sensu check: an instance answers from its DHCP namespaces.
Usage: check_instance_communications.py NAMESPACE,ADDRESS[;NAMESPACE,ADDRESS...]

Each address is pinged from its namespace by check_ping.py (beside this file). Exit 0
when all answer, 1 when some do, 2 when none does. Python standard library only.
"""

import os
import subprocess
import sys

PING = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_ping.py")


def main(argv: list[str]) -> int:
    pairs = [p.split(",", 1) for p in ";".join(argv).split(";") if p]
    if not pairs or any(len(p) != 2 for p in pairs):
        print("usage: check_instance_communications.py NAMESPACE,ADDRESS[;...]")
        return 3
    answered, lines = 0, []
    for ns, address in pairs:
        done = subprocess.run([sys.executable, PING, "-n", ns, "-t", address, "-c", "2"],
                              capture_output=True, text=True, timeout=60, check=False)
        answered += done.returncode == 0
        lines.append(f"{ns}: {done.stdout.strip()}")
    print(f"{answered} of {len(pairs)} addresses answer; " + "; ".join(lines))
    if answered == len(pairs):
        return 0
    return 2 if answered == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
