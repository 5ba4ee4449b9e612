"""Host facts as files and small tools print them: `ls -l /sys/class/net`, `ethtool IFACE`,
`/proc/net/bonding/*`, `/etc/os-release`, `uname`.

Pure functions of the `Host` record and its wiring.
"""

from __future__ import annotations

from calipso.sim.model import Bond, Host, OsRelease, Pnic
from calipso.sim.wiring import HostWiring, LinkDev

KERNEL = "6.8.0-48-generic"
ARCH = "x86_64"
_LS_DATE = "Jan  5 10:00"
_PARTNER_MAC = "00:1c:73:00:00:01"  # the top-of-rack switch's LACP system MAC


def render_sys_class_net(wiring: HostWiring, host: Host) -> str:
    """`ls -l /sys/class/net`: one symlink per device (physical NICs point at their PCI
    path, the rest at devices/virtual), plus `bonding_masters` when bonding is loaded."""
    pci = {nic.name: nic.pci for nic in host.pnics}
    entries: dict[str, str] = {}
    for dev in wiring.devs:
        if dev.kind == "phys" and pci.get(dev.name):
            bus = pci[dev.name]
            target = f"../../devices/pci0000:00/0000:00:{_slot(bus)}/{bus}/net/{dev.name}"
        else:
            target = f"../../devices/virtual/net/{dev.name}"
        entries[dev.name] = f"lrwxrwxrwx 1 root root 0 {_LS_DATE} {dev.name} -> {target}"
    if host.bonds:
        entries["bonding_masters"] = f"-rw-r--r-- 1 root root 4096 {_LS_DATE} bonding_masters"
    lines = ["total 0", *(entries[name] for name in sorted(entries))]
    return "\n".join(lines) + "\n"


def _slot(pci: str) -> str:
    """The root port a NIC's PCI address hangs off (0000:3b:00.1 -> 03.0)."""
    bus = int(pci.split(":")[1], 16)
    return f"{bus % 32:02x}.0"


def _modes(speed: int) -> str:
    names = {1000: "1000baseT/Full", 10_000: "10000baseT/Full", 25_000: "25000baseCR/Full"}
    return names.get(speed, f"{speed}baseT/Full")


def render_ethtool(dev: LinkDev, nic: Pnic | None, bond_speed: int | None = None) -> str:
    """`ethtool IFACE` for a physical NIC, a bond, or a virtual device."""
    if nic is not None:
        copper = nic.speed_mbps <= 1000
        port = "Twisted Pair" if copper else "Direct Attach Copper"
        lines = [
            f"Settings for {dev.name}:",
            "\tSupported ports: [ TP ]" if copper else "\tSupported ports: [ FIBRE ]",
            f"\tSupported link modes:   {_modes(nic.speed_mbps)} ",
            "\tSupported pause frame use: Symmetric",
            "\tSupports auto-negotiation: Yes",
            "\tSupported FEC modes: Not reported",
            f"\tAdvertised link modes:  {_modes(nic.speed_mbps)} ",
            "\tAdvertised pause frame use: Symmetric",
            "\tAdvertised auto-negotiation: Yes",
            "\tAdvertised FEC modes: Not reported",
            f"\tSpeed: {nic.speed_mbps}Mb/s",
            "\tDuplex: Full",
            "\tAuto-negotiation: on",
            f"\tPort: {port}",
            "\tPHYAD: 0",
            "\tTransceiver: internal",
            "\tSupports Wake-on: d",
            "\tWake-on: d",
            "\tCurrent message level: 0x00000007 (7)",
            "\t\t\t       drv probe link",
            "\tLink detected: yes",
        ]
    else:
        speed = f"{bond_speed}Mb/s" if bond_speed else "Unknown!"
        duplex = "Full" if bond_speed else "Unknown! (255)"
        lines = [
            f"Settings for {dev.name}:",
            "\tSupported ports: [  ]",
            "\tSupported link modes:   Not reported",
            "\tSupported pause frame use: No",
            "\tSupports auto-negotiation: No",
            "\tSupported FEC modes: Not reported",
            "\tAdvertised link modes:  Not reported",
            "\tAdvertised pause frame use: No",
            "\tAdvertised auto-negotiation: No",
            "\tAdvertised FEC modes: Not reported",
            f"\tSpeed: {speed}",
            f"\tDuplex: {duplex}",
            "\tAuto-negotiation: off",
            "\tPort: Other",
            "\tPHYAD: 0",
            "\tTransceiver: internal",
            "\tLink detected: yes",
        ]
    return "\n".join(lines) + "\n"


def render_bonding_list(host: Host) -> str | None:
    """`ls -1 /proc/net/bonding/`; None when the directory does not exist (no bonds)."""
    if not host.bonds:
        return None
    return "".join(bond.name + "\n" for bond in host.bonds)


def render_proc_bonding(host: Host, bond: Bond) -> str:
    """`/proc/net/bonding/<bond>` of an 802.3ad bond with all slaves up."""
    nics = {nic.name: nic for nic in host.pnics}
    key = 15
    lines = [
        f"Ethernet Channel Bonding Driver: {KERNEL}",
        "",
        f"Bonding Mode: {bond.mode}",
        "Transmit Hash Policy: layer3+4 (1)",
        "MII Status: up",
        "MII Polling Interval (ms): 100",
        "Up Delay (ms): 0",
        "Down Delay (ms): 0",
        "Peer Notification Delay (ms): 0",
        "",
        "802.3ad info",
        "LACP active: on",
        "LACP rate: fast",
        "Min links: 0",
        "Aggregator selection policy (ad_select): stable",
        "System priority: 65535",
        f"System MAC address: {bond.mac}",
        "Active Aggregator Info:",
        "\tAggregator ID: 1",
        f"\tNumber of ports: {len(bond.slaves)}",
        f"\tActor Key: {key}",
        "\tPartner Key: 1",
        f"\tPartner Mac Address: {_PARTNER_MAC}",
    ]
    for number, name in enumerate(bond.slaves, start=1):
        nic = nics.get(name)
        speed = nic.speed_mbps if nic else 10_000
        mac = nic.mac if nic else bond.mac
        lines += [
            "",
            f"Slave Interface: {name}",
            "MII Status: up",
            f"Speed: {speed} Mbps",
            "Duplex: full",
            "Link Failure Count: 0",
            f"Permanent HW addr: {mac}",
            "Slave queue ID: 0",
            "Aggregator ID: 1",
            "Actor Churned Count: 0",
            "Partner Churned Count: 0",
            "details actor lacp pdu:",
            "    system priority: 65535",
            f"    system mac address: {bond.mac}",
            f"    port key: {key}",
            "    port priority: 255",
            f"    port number: {number}",
            "    port state: 63",
            "details partner lacp pdu:",
            "    system priority: 32768",
            f"    system mac address: {_PARTNER_MAC}",
            "    oper key: 1",
            "    port priority: 32768",
            f"    port number: {number}",
            "    port state: 63",
        ]
    return "\n".join(lines) + "\n"


def render_os_release(release: OsRelease) -> str:
    """`/etc/os-release` as Ubuntu writes it."""
    codename = release.version.partition("(")[2].split(" ")[0].lower()
    lines = [
        f'PRETTY_NAME="{release.pretty_name}"',
        f'NAME="{release.name}"',
        f'VERSION_ID="{release.version_id}"',
        f'VERSION="{release.version}"',
    ]
    if codename:
        lines.append(f"VERSION_CODENAME={codename}")
    lines += [f"ID={release.id}", f"ID_LIKE={release.id_like}"]
    if release.id == "ubuntu":
        lines += [
            'HOME_URL="https://www.ubuntu.com/"',
            'SUPPORT_URL="https://help.ubuntu.com/"',
            'BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"',
            'PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"',
        ]
        if codename:
            lines.append(f"UBUNTU_CODENAME={codename}")
        lines.append("LOGO=ubuntu-logo")
    return "\n".join(lines) + "\n"


def render_uname(host: Host, flags: list[str]) -> str | None:
    """`uname [-n|-r|-m|-s|-a]`; None for an option uname does not know."""
    words = {"-s": "Linux", "-n": host.hypervisor_hostname, "-r": KERNEL, "-m": ARCH, "-p": ARCH,
             "-i": ARCH, "-o": "GNU/Linux",
             "-v": "#48-Ubuntu SMP PREEMPT_DYNAMIC Fri Sep 27 14:04:52 UTC 2024"}
    if not flags:
        return "Linux\n"
    if flags == ["-a"]:
        order = ("-s", "-n", "-r", "-v", "-m", "-p", "-i", "-o")
        return " ".join(words[flag] for flag in order) + "\n"
    out = []
    for flag in flags:
        if flag not in words:
            return None
        out.append(words[flag])
    return " ".join(out) + "\n"
