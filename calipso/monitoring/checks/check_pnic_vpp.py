#!/usr/bin/env python3
"""Sensu check: a VPP uplink's link state. Usage: check_pnic_vpp.py [IFNAME]

check_vpp_interface.py (beside this file) for IFNAME, or for the first GigabitEthernet
interface. Python standard library only.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

if __name__ == "__main__":
    os.execv(sys.executable, [sys.executable, os.path.join(HERE, "check_vpp_interface.py"),
                              "--prefix", "GigabitEthernet", *sys.argv[1:]])
