#!/usr/bin/env python3
"""Sensu check: VPP answers on this host. Usage: check_vedge_vpp.py

Exit 0 when ``vppctl show version`` answers with VPP's version, 2 otherwise. Python
standard library only.
"""

import subprocess
import sys


def main() -> int:
    try:
        done = subprocess.run(["vppctl", "show", "version"], capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        print(f"vppctl: {err}")
        return 2
    text = done.stdout.strip()
    if done.returncode != 0 or not text.startswith("vpp"):
        print("VPP does not answer")
        return 2
    print(text.splitlines()[0][:200])
    return 0


if __name__ == "__main__":
    sys.exit(main())
