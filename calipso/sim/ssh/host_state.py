"""Things that break on a simulated host, and the tools that show them.

`Breakage` is plain state owned by the SSH channel's `Faults`: NICs whose link is down,
processes that died, network namespaces that are gone. The answers change with it:
`/sys/class/net/<nic>/operstate`, `pgrep`, `ip netns` (list, exec, pids) and `ping`
(from the root namespace between tunnel addresses, and from a DHCP namespace to the
ports of its network). What runs where follows the host: Open vSwitch (`ovsdb-server`,
`ovs-vswitchd`, the agent), the Linux bridge agent, `vpp`, a `dnsmasq` per DHCP
namespace and a metadata `haproxy` per router namespace.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from calipso.sim.ssh.shell import Result

if TYPE_CHECKING:
    from calipso.sim.cloud import Cloud


@dataclass(slots=True)
class Breakage:
    pnics_down: set[tuple[str, str]] = field(default_factory=set)  # (host, nic)
    dead: set[tuple[str, str]] = field(default_factory=set)  # (host, process name)
    gone_namespaces: set[tuple[str, str]] = field(default_factory=set)  # (host, ns)

    def clear(self, host: str | None = None) -> None:
        for entries in (self.pnics_down, self.dead, self.gone_namespaces):
            entries -= {e for e in entries if host is None or e[0] == host}


@dataclass(frozen=True, slots=True)
class Process:
    pid: int
    name: str
    cmdline: str
    netns: str | None = None


def processes(cloud: Cloud, host: str, breakage: Breakage,
              namespaces: list[str]) -> list[Process]:
    """The processes of interest running on ``host`` now."""
    h = cloud.host(host)
    wanted: list[tuple[str, str, str | None]] = []
    driver = cloud.spec.driver
    if h.is_compute or h.is_network:
        if driver in ("ovs", "ovn"):
            wanted += [("ovsdb-server", "ovsdb-server /etc/openvswitch/conf.db", None),
                       ("ovs-vswitchd", "ovs-vswitchd unix:/var/run/openvswitch/db.sock",
                        None)]
        if driver == "ovs":
            wanted.append(("neutron-openvswitch-agent", "/usr/bin/python3 "
                           "/usr/bin/neutron-openvswitch-agent", None))
        elif driver == "ovn":
            wanted.append(("ovn-controller", "ovn-controller unix:/var/run/openvswitch/"
                           "db.sock", None))
            if h.is_compute:
                wanted.append(("neutron-ovn-metadata-agent", "/usr/bin/python3 "
                               "/usr/bin/neutron-ovn-metadata-agent", None))
        elif driver == "lxb":
            wanted.append(("neutron-linuxbridge-agent", "/usr/bin/python3 "
                           "/usr/bin/neutron-linuxbridge-agent", None))
        elif driver == "vpp":
            wanted.append(("vpp", "/usr/bin/vpp -c /etc/vpp/startup.conf", None))
    for ns in namespaces:
        if ns.startswith("qdhcp-"):
            wanted.append(("dnsmasq", f"dnsmasq --no-hosts --pid-file=/var/lib/neutron/dhcp/"
                           f"{ns[6:]}/pid", ns))
        elif ns.startswith("ovnmeta-"):
            wanted.append(("haproxy", f"haproxy -f /var/lib/neutron/ovn-metadata-proxy/"
                           f"{ns[8:]}.conf", ns))
        elif ns.startswith("qrouter-"):
            wanted.append(("haproxy", f"haproxy -f /var/lib/neutron/ns-metadata-proxy/"
                           f"{ns[8:]}.conf", ns))
    return [Process(1000 + zlib.crc32(f"{host} {cmd}".encode()) % 60000, name, cmd, netns)
            for name, cmd, netns in wanted if (h.name, name) not in breakage.dead]


def dataplane_alive(cloud: Cloud, host: str, breakage: Breakage) -> bool:
    process = {"ovs": "ovs-vswitchd", "ovn": "ovs-vswitchd", "vpp": "vpp"}.get(cloud.spec.driver)
    return process is None or (host, process) not in breakage.dead


def pgrep(procs: list[Process], args: list[str]) -> Result:
    exact = "-x" in args
    full = "-f" in args
    words = [a for a in args if not a.startswith("-")]
    if len(words) != 1:
        return Result("", "pgrep: only one pattern can be provided\n", 2)
    pattern = words[0]
    found = [p.pid for p in procs
             if (pattern == p.name if exact else pattern in (p.cmdline if full else p.name))]
    return Result("".join(f"{pid}\n" for pid in found), "", 0 if found else 1)


def netns_pids(procs: list[Process], ns: str) -> Result:
    return Result("".join(f"{p.pid}\n" for p in procs if p.netns == ns))


def _ping_text(dst: str, count: int, ok: bool) -> Result:
    lines = [f"PING {dst} ({dst}) 56(84) bytes of data."]
    if ok:
        lines += [f"64 bytes from {dst}: icmp_seq={i + 1} ttl=64 time=0.{40 + i} ms"
                  for i in range(count)]
    lines += ["", f"--- {dst} ping statistics ---",
              f"{count} packets transmitted, {count if ok else 0} received, "
              f"{0 if ok else 100}% packet loss, time {max(0, count - 1)}ms"]
    if ok:
        lines.append("rtt min/avg/max/mdev = 0.040/0.045/0.050/0.004 ms")
    return Result("\n".join(lines) + "\n", "", 0 if ok else 1)


def ping(cloud: Cloud, host: str, breakage: Breakage, args: list[str],
         netns: str | None) -> Result:
    count, source, words = 1, None, []
    it = iter(args)
    for arg in it:
        if arg in ("-c", "-W", "-w", "-i", "-s", "-p", "-I"):
            value = next(it, "")
            if arg == "-c":
                count = int(value) if value.isdigit() else 1
            if arg == "-I":
                source = value
        elif not arg.startswith("-"):
            words.append(arg)
    if len(words) != 1:
        return Result("", "ping: usage error: Destination address required\n", 1)
    dst = words[0]
    if netns is None:
        return _ping_text(dst, count, _tunnel_reachable(cloud, host, breakage, source, dst))
    return _ping_text(dst, count, _port_reachable(cloud, host, breakage, netns, dst))


def _tunnel_up(cloud: Cloud, host: str, breakage: Breakage) -> bool:
    h = cloud.host(host)
    return (h.name, h.tunnel_iface) not in breakage.pnics_down


def _tunnel_reachable(cloud: Cloud, host: str, breakage: Breakage, source: str | None,
                      dst: str) -> bool:
    h = cloud.host(host)
    if source not in (None, h.tunnel_ip, h.tunnel_iface) or not _tunnel_up(cloud, host,
                                                                          breakage):
        return False
    far = next((o for o in cloud.hosts.values() if o.tunnel_ip == dst), None)
    return far is not None and _tunnel_up(cloud, far.name, breakage)


def _port_reachable(cloud: Cloud, host: str, breakage: Breakage, netns: str,
                    dst: str) -> bool:
    """From a DHCP (or ML2/OVN metadata) namespace to an instance port of its network."""
    prefix = next((p for p in ("qdhcp-", "ovnmeta-") if netns.startswith(p)), None)
    if prefix is None:
        return False
    network = netns[len(prefix):]
    port = next((p for p in cloud.ports_on_network(network)
                 if any(ip.ip_address == dst for ip in p.fixed_ips)), None)
    if port is None or not port.host:
        return False
    instance = cloud.instances.get(port.device_id)
    if instance is not None and instance.status != "ACTIVE":
        return False
    if not (dataplane_alive(cloud, host, breakage)
            and dataplane_alive(cloud, port.host, breakage)):
        return False
    if port.host == host:
        return True
    net = cloud.networks[network]
    if net.network_type in ("vxlan", "geneve"):
        return _tunnel_up(cloud, host, breakage) and _tunnel_up(cloud, port.host, breakage)
    return all((cloud.host(h).name, cloud.host(h).provider_iface) not in breakage.pnics_down
               for h in (host, port.host))
