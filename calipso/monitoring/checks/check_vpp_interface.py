#!/usr/bin/env python3
"""Sensu check: a VPP interface's link state. Usage: check_vpp_interface.py
[--prefix TEXT] [IFNAME]

Reads ``vppctl show hardware-interfaces``: the line of IFNAME, or else the first
interface whose name holds TEXT. Exit 0 when it is up, 2 when it is down, missing, or VPP
does not answer. Python standard library only.
"""

import subprocess
import sys


def main(argv: list[str]) -> int:
    prefix = ""
    if "--prefix" in argv:
        i = argv.index("--prefix")
        prefix = argv[i + 1] if i + 1 < len(argv) else ""
        argv = argv[:i] + argv[i + 2:]
    if len(argv) > 1:
        print("usage: check_vpp_interface.py [--prefix TEXT] [IFNAME]")
        return 3
    try:
        done = subprocess.run(["vppctl", "show", "hardware-interfaces"], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        print(f"vppctl: {err}")
        return 2
    if done.returncode != 0:
        print("VPP does not answer")
        return 2
    for line in done.stdout.splitlines():
        words = line.split()
        if len(words) < 3 or line.startswith(" "):
            continue
        if (argv and words[0] == argv[0]) or (not argv and prefix and prefix in words[0]):
            state = words[2]
            print(f"{words[0]}: {state}")
            return 0 if state == "up" else 2
    print(f"{argv[0] if argv else prefix}: no such interface")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
