"""The tools installed on one simulated host, answering from the cloud's current state.

`HostTools(cloud, host, ...)` is the `Tools` callable the shell dispatches to (argv, stdin →
`Result`, or None when the tool is not installed there) plus `read_file(path)` for `cat`
and `grep FILE`. Which tools exist follows the host: `ovs-vsctl`/`ovs-dpctl` on Open vSwitch
L2 hosts, `vppctl` on VPP L2 hosts, `virsh` on computes; `ip`, `ls`, `ethtool`, `brctl`,
`bridge`, `uname`, `hostname`, `arch` everywhere. Errors read as the real tools print them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING

from calipso.sim.ssh import (
    host_state,
    render_bridge,
    render_host,
    render_ip,
    render_ovn,
    render_ovs,
    render_virsh,
    render_vpp,
)
from calipso.sim.ssh.shell import Result
from calipso.sim.wiring import Domain, HostWiring, vpp_interfaces

if TYPE_CHECKING:
    from calipso.sim.cloud import Cloud

_Handler = Callable[["HostTools", list[str]], Result]


def _error(text: str, status: int = 1) -> Result:
    return Result("", text + "\n", status)


class HostTools:
    def __init__(self, cloud: Cloud, host: str, *, ovs_legacy: bool = False,
                 ifindex_state: dict[str, int] | None = None,
                 breakage: host_state.Breakage | None = None) -> None:
        self.cloud = cloud
        self.breakage = breakage or host_state.Breakage()
        self.host = cloud.host(host)
        self.ovs_legacy = ovs_legacy
        self._known_ifindex = ifindex_state if ifindex_state is not None else {}
        l2 = self.host.is_compute or self.host.is_network
        driver = cloud.spec.driver
        self.installed = set(_COMMON) | {"pgrep", "ping"}
        if l2 and driver in ("ovs", "ovn"):
            self.installed |= {"ovs-vsctl", "ovs-dpctl", "ovs-appctl"}
        if driver == "ovn" and "controller" in self.host.roles:  # ovn-central
            self.installed |= {"ovn-nbctl", "ovn-sbctl"}
        if l2 and driver == "vpp":
            self.installed.add("vppctl")
        if self.host.is_compute:
            self.installed.add("virsh")

    @property
    def wiring(self) -> HostWiring:
        return self.cloud.wiring(self.host.name)

    def namespaces(self) -> list[str]:
        """The network namespaces present (the wiring's, less those broken away)."""
        return [n for n in self.wiring.namespaces
                if (self.host.name, n) not in self.breakage.gone_namespaces]

    def processes(self) -> list[host_state.Process]:
        return host_state.processes(self.cloud, self.host.name, self.breakage,
                                    self.namespaces())

    def __call__(self, argv: list[str], stdin: str) -> Result | None:
        if argv[0] not in self.installed:
            return None
        return _TOOLS[argv[0]](self, argv[1:])

    # ---- files -----------------------------------------------------------------------

    def read_file(self, path: str) -> str | None:
        host = self.host
        if path == "/etc/os-release":
            return render_host.render_os_release(host.os)
        if path == "/etc/hostname":
            return host.hypervisor_hostname + "\n"
        if path.startswith("/proc/net/bonding/"):
            name = path.rsplit("/", 1)[1]
            bond = next((b for b in host.bonds if b.name == name), None)
            return render_host.render_proc_bonding(host, bond) if bond else None
        if path.startswith("/sys/class/net/") and path.count("/") == 5:
            _, _, _, _, name, attr = path.split("/")
            dev = next((d for d in self.wiring.devs if d.name == name), None)
            down = (host.name, name) in self.breakage.pnics_down
            values = ({"address": dev.mac, "mtu": str(dev.mtu),
                       "operstate": "down" if down else "up"} if dev else {})
            return values[attr] + "\n" if attr in values else None
        return None

    # ---- ip --------------------------------------------------------------------------

    def _ifindex(self) -> dict[str, int]:
        return render_ip.stable_ifindexes(self.wiring.devs, self._known_ifindex)

    def ip(self, args: list[str], netns: str | None = None) -> Result:
        details = False
        while args and args[0].startswith("-"):
            opt = args.pop(0)
            if opt in ("-d", "-details", "--details"):
                details = True
            elif opt not in ("-4", "-s", "-stats"):
                return _error(f'Option "{opt}" is unknown, try "ip -help".', 255)
        if not args:
            return _error("Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }", 255)
        obj, rest = args[0], args[1:]
        if "netns".startswith(obj) and len(obj) >= 2 and obj != "ne":
            return self._netns(rest) if netns is None else _error(
                "setting the network namespace failed: Operation not permitted")
        for full, handler in (("address", self._ip_address), ("link", self._ip_link),
                              ("route", self._ip_route)):
            if full.startswith(obj):
                return handler(rest, netns, details)
        return _error(f'Object "{obj}" is unknown, try "ip help".')

    def _views(self, netns: str | None, only: str | None = None
               ) -> list[render_ip.DevView] | None:
        index = self._ifindex()
        if netns is None:
            return render_ip.root_views(self.wiring, index, only)
        ns = self.wiring.namespaces.get(netns) if netns in self.namespaces() else None
        return None if ns is None else render_ip.namespace_views(ns, index)

    def _select(self, rest: list[str], netns: str | None
                ) -> tuple[list[render_ip.DevView] | None, Result | None]:
        if rest and rest[0] in ("show", "list", "sh", "ls", "lst"):
            rest = rest[1:]
        elif rest:
            return None, _error(f'Command "{rest[0]}" is unknown, try "ip address help".', 255)
        if rest and rest[0] == "dev":
            rest = rest[1:]
        views = self._views(netns, rest[0] if rest else None) or []
        if rest:
            views = [v for v in views if v.dev.name == rest[0]]
            if not views:
                return None, _error(f'Device "{rest[0]}" does not exist.')
        return views, None

    def _ip_address(self, rest: list[str], netns: str | None, details: bool) -> Result:
        views, error = self._select(rest, netns)
        return error or Result(render_ip.render_address(views or []))

    def _ip_link(self, rest: list[str], netns: str | None, details: bool) -> Result:
        views, error = self._select(rest, netns)
        return error or Result(render_ip.render_link(views or [], details=details))

    def _ip_route(self, rest: list[str], netns: str | None, details: bool) -> Result:
        if rest and rest[0] not in ("show", "list"):
            return _error(f'Command "{rest[0]}" is unknown, try "ip route help".', 255)
        if netns is None:
            host = self.host
            net = ipaddress.IPv4Interface(next(n.ip for n in host.pnics
                                               if n.name == host.mgmt_iface) or "").network
            gateways = {str(net): str(net.network_address + 1)}
            return Result(render_ip.render_routes(self.wiring.devs, gateways, host.mgmt_iface))
        ns = self.wiring.namespaces[netns]
        gateways = {s.cidr: s.gateway_ip for s in self.cloud.subnets.values() if s.gateway_ip}
        names = [d.name for d in ns.devs if d.kind != "lo"]
        default = next((n for n in names if n.startswith("qg-")), None)
        if ns.kind == "dhcp":
            default = names[0] if names else None
        return Result(render_ip.render_routes(ns.devs, gateways, default))

    def _netns(self, rest: list[str]) -> Result:
        if not rest or rest[0] in ("list", "show", "ls"):
            return Result(render_ip.render_netns_list(self.wiring, self.namespaces()))
        if rest[0] == "pids" and len(rest) == 2:
            if rest[1] not in self.namespaces():
                return _error(f'Cannot open network namespace "{rest[1]}": '
                              "No such file or directory")
            return host_state.netns_pids(self.processes(), rest[1])
        if rest[0] != "exec":
            return _error(f'Command "{rest[0]}" is unknown, try "ip netns help".')
        if len(rest) < 3:
            return _error("No netns name specified" if len(rest) < 2 else "No command specified")
        name, argv = rest[1], rest[2:]
        if name not in self.namespaces():
            return _error(f'Cannot open network namespace "{name}": No such file or directory')
        if argv[0] == "ip":
            return self.ip(argv[1:], netns=name)
        if argv[0] == "ping":
            return host_state.ping(self.cloud, self.host.name, self.breakage, argv[1:], name)
        result = self(argv, "")
        return result if result is not None else _error(
            f'exec of "{argv[0]}" failed: No such file or directory')

    # ---- other tools -----------------------------------------------------------------

    def ls(self, args: list[str]) -> Result:
        paths = [a for a in args if not a.startswith("-")] or ["."]
        long = any(a.startswith("-") and "l" in a for a in args)
        out, err, status = [], [], 0
        for path in paths:
            text = self._listing(path.rstrip("/") or "/", long)
            if text is None:
                err.append(f"ls: cannot access '{path}': No such file or directory\n")
                status = 2
            else:
                out.append(text)
        return Result("".join(out), "".join(err), status)

    def _listing(self, path: str, long: bool) -> str | None:
        if path == "/sys/class/net":
            if long:
                return render_host.render_sys_class_net(self.wiring, self.host)
            names = sorted([d.name for d in self.wiring.devs]
                           + (["bonding_masters"] if self.host.bonds else []))
            return "".join(n + "\n" for n in names)
        if path == "/proc/net/bonding":
            return render_host.render_bonding_list(self.host)
        if path in ("/var/run/netns", "/run/netns"):
            return "".join(n + "\n" for n in sorted(self.namespaces()))
        return None

    def ethtool(self, args: list[str]) -> Result:
        names = [a for a in args if not a.startswith("-")]
        if not names:
            return _error("ethtool: bad command line argument(s)", 1)
        name = names[0].split("@")[-1] if "@" in names[0] else names[0]
        dev = next((d for d in self.wiring.devs if d.name == name), None)
        if dev is None:
            return _error("netlink error: no device matches name (offset 24)\n"
                          "netlink error: No such device", 1)
        nic = next((n for n in self.host.pnics if n.name == name), None)
        bond = next((b for b in self.host.bonds if b.name == name), None)
        speed = None
        if bond is not None:
            speeds = {n.name: n.speed_mbps for n in self.host.pnics}
            speed = sum(speeds.get(s, 0) for s in bond.slaves)
        return Result(render_host.render_ethtool(dev, nic, speed))

    def uname(self, args: list[str]) -> Result:
        text = render_host.render_uname(self.host, args)
        if text is None:
            return _error(f"uname: invalid option -- '{args[0].lstrip('-')[:1]}'", 1)
        return Result(text)

    def brctl(self, args: list[str]) -> Result:
        if not args or args[0] != "show":
            return _error("Usage: brctl [commands]", 1)
        only = args[1] if len(args) > 1 else None
        bridges = {b.name for b in self.wiring.bridges.values() if b.kind == "linux"}
        if only is not None and only not in bridges:
            return _error(f"bridge {only} does not exist!", 1)
        return Result(render_bridge.render_brctl_show(self.wiring, only))

    def bridge(self, args: list[str]) -> Result:
        if args[:2] not in (["fdb", "show"], ["fdb"]):
            return _error('Command "{}" is unknown, try "bridge help".'.format(" ".join(args)),
                          255)
        return Result(render_bridge.render_bridge_fdb(self.wiring, self._remote_macs()))

    def _remote_macs(self) -> dict[tuple[str, str], list[str]]:
        """MACs behind each remote VTEP of the LXB VXLAN devices (one pass per network)."""
        wiring = self.wiring
        vxlan_net = {d.name: wiring.bridges[d.master].network_id for d in wiring.devs
                     if d.kind == "vxlan" and d.vni is not None and d.master in wiring.bridges}
        by_host: dict[str, dict[str, list[str]]] = {}
        for net in set(vxlan_net.values()):
            if net is None:
                continue
            buckets = by_host[net] = {}
            for port in self.cloud.ports_on_network(net):
                buckets.setdefault(port.host, []).append(port.mac)
        result: dict[tuple[str, str], list[str]] = {}
        for tunnel in wiring.tunnels:
            net = vxlan_net.get(tunnel.name)
            if net is not None:
                result[(tunnel.name, tunnel.remote_ip)] = by_host[net].get(tunnel.remote_host, [])
        return result

    def ovs_vsctl(self, args: list[str]) -> Result:
        columns = next((a.split("=", 1)[1].split(",") for a in args
                        if a.startswith("--columns=")), ["name", "external_ids"])
        args = [a for a in args if not a.startswith("--")]
        wiring = self.wiring
        if not args or args[0] == "show":
            return Result(render_ovs.render_vsctl_show(
                wiring, legacy=self.ovs_legacy, datapath_type=self.cloud.spec.ovs_datapath))
        command, rest = args[0], args[1:]
        if command == "get" and [r.lower() for r in rest] in (
                ["open", ".", "external_ids"], ["open_vswitch", ".", "external_ids"]):
            return Result(render_ovn.render_open_vswitch_ids(self.cloud, self.host.name))
        if command == "list" and rest[:1] == ["Interface"]:
            return Result(render_ovs.render_list_interfaces(wiring, columns))
        if command == "list-br":
            return Result(render_ovs.render_list_br(wiring))
        if command in ("list-ports", "list-ifaces"):
            if not rest:
                return _error(f"ovs-vsctl: '{command}' command requires at least 1 arguments")
            if rest[0] not in wiring.datapath_id:
                return _error(f"ovs-vsctl: no bridge named {rest[0]}")
            return Result(render_ovs.render_list_ports(wiring, rest[0]))
        return _error(f"ovs-vsctl: unknown command '{command}'; use --help for help")

    def ovs_dpctl(self, args: list[str]) -> Result:
        if args and args[0] != "show":
            return _error(f"ovs-dpctl: unknown command '{args[0]}'; use --help for help", 1)
        if self.cloud.spec.ovs_datapath == "netdev":
            return Result("")  # ovs-dpctl sees kernel datapaths only
        return Result(render_ovs.render_dpctl_show(self.wiring, legacy=self.ovs_legacy))

    def ovs_appctl(self, args: list[str]) -> Result:
        if args != ["dpctl/show"]:
            return _error(f"\"{' '.join(args)}\" is not a valid command\n"
                          "ovs-appctl: ovs-vswitchd: server returned an error", 2)
        return Result(render_ovs.render_dpctl_show(
            self.wiring, datapath_type=self.cloud.spec.ovs_datapath))

    def ovn_ctl(self, tool: str, args: list[str]) -> Result:
        """`ovn-nbctl`/`ovn-sbctl --format=json [--columns=A,B] list TABLE [-- [--columns=…]
        list TABLE]…`: one JSON document per command (JSON output only)."""
        tables = render_ovn.NB_TABLES if tool == "ovn-nbctl" else render_ovn.SB_TABLES
        commands: list[list[str]] = [[]]
        for arg in args:
            if arg == "--":
                commands.append([])
            else:
                commands[-1].append(arg)
        fmt = next((a.split("=", 1)[1] for a in commands[0] if a.startswith("--format=")),
                   "table")
        out = []
        for command in commands:
            words = [a for a in command if not a.startswith("-")]
            if words[:1] != ["list"] or len(words) != 2:
                return _error(f"{tool}: unknown command '{' '.join(words)}'; "
                              "use --help for help")
            if words[1] not in tables:
                return _error(f'{tool}: unknown table "{words[1]}"')
            columns = next((a.split("=", 1)[1].split(",") for a in command
                            if a.startswith("--columns=")), None)
            out.append(render_ovn.render_json(tables[words[1]](self.cloud), columns))
        if fmt != "json":
            return _error(f"{tool}: this simulated tool prints --format=json only")
        return Result("".join(out))

    def virsh(self, args: list[str]) -> Result:
        args = [a for a in args if a not in ("-q", "--quiet", "-c", "qemu:///system")]
        domains = self.wiring.domains
        if not args:
            return _error("error: no command given", 1)
        if args[0] == "list":
            return Result(render_virsh.render_virsh_list(domains))
        if args[0] == "dumpxml":
            if len(args) < 2:
                return _error("error: command 'dumpxml' requires <domain> option")
            domain = render_virsh.find_domain(domains, args[1])
            if domain is None:
                return _error(f"error: failed to get domain '{args[1]}'")
            return Result(render_virsh.render_dumpxml(domain, self._facts(domain)))
        return _error(f"error: unknown command: '{args[0]}'")

    def _facts(self, domain: Domain) -> render_virsh.DomainFacts:
        cloud = self.cloud
        inst = cloud.instance(domain.instance_id)
        flavor = cloud.flavors.get(inst.flavor_id)
        project = cloud.projects.get(inst.project_id)
        user = cloud.users.get(inst.user_id)
        mtus = {i.port_id: cloud.networks[cloud.ports[i.port_id].network_id].mtu
                for i in domain.interfaces if i.port_id in cloud.ports}
        return render_virsh.DomainFacts(
            display_name=inst.name, created_at=inst.created_at,
            flavor_name=flavor.name if flavor else "m1.small",
            memory_mb=flavor.ram_mb if flavor else 2048, vcpus=flavor.vcpus if flavor else 1,
            disk_gb=flavor.disk_gb if flavor else 20, user_id=inst.user_id,
            user_name=user.name if user else "admin", project_id=inst.project_id,
            project_name=project.name if project else "admin", image_id=inst.image_id,
            mtus=mtus)

    def vppctl(self, args: list[str]) -> Result:
        if not args or args[0] != "show" or len(args) < 2:
            return Result(f"unknown input `{' '.join(args)}'\n")
        what, target = args[1], args[2] if len(args) > 2 else None
        interfaces = vpp_interfaces(self.wiring)
        if "version".startswith(what) and len(what) >= 3:
            return Result(render_vpp.render_show_version(self.host.name))
        if what == "mode":
            return Result(render_vpp.render_show_mode(interfaces))
        if "interface".startswith(what) and target in ("addr", "address"):
            return Result(render_vpp.render_show_int_addr(interfaces, self._vpp_l3()))
        if ("interface".startswith(what) and len(what) >= 3) or what.startswith("hardware"):
            if target is not None:
                interfaces = [i for i in interfaces if i.name == target]
                if not interfaces:
                    return Result(f"show {what}: unknown input `{target}'\n")
            if what.startswith("hardware"):
                return Result(render_vpp.render_show_hardware(interfaces))
            return Result(render_vpp.render_show_int(interfaces))
        return Result(f"show: unknown input `{' '.join(args[1:])}'\n")


    def _vpp_l3(self) -> dict[str, list[str]]:
        """The uplink holds the VXLAN source address (the tunnel IP) when there are tunnels."""
        host = self.host
        if self.cloud.spec.type_driver != "vxlan":
            return {}
        nic = next((n for n in host.pnics if n.name == host.tunnel_iface and n.ip), None)
        prefix = nic.ip.split("/")[1] if nic and nic.ip else "24"
        return {render_vpp.VPP_UPLINK: [f"{host.tunnel_ip}/{prefix}"]}


_TOOLS: dict[str, _Handler] = {
    "ip": lambda tools, args: tools.ip(list(args)),
    "ls": HostTools.ls,
    "ethtool": HostTools.ethtool,
    "uname": HostTools.uname,
    "hostname": lambda tools, args: Result(tools.host.hypervisor_hostname + "\n"),
    "arch": lambda tools, args: Result(render_host.ARCH + "\n"),
    "brctl": HostTools.brctl,
    "bridge": HostTools.bridge,
    "ovs-vsctl": HostTools.ovs_vsctl,
    "ovs-dpctl": HostTools.ovs_dpctl,
    "ovs-appctl": HostTools.ovs_appctl,
    "virsh": HostTools.virsh,
    "ovn-nbctl": lambda tools, args: tools.ovn_ctl("ovn-nbctl", args),
    "ovn-sbctl": lambda tools, args: tools.ovn_ctl("ovn-sbctl", args),
    "vppctl": HostTools.vppctl,
    "pgrep": lambda tools, args: host_state.pgrep(tools.processes(), args),
    "ping": lambda tools, args: host_state.ping(tools.cloud, tools.host.name, tools.breakage,
                                                args, None),
}
_COMMON = frozenset({"ip", "ls", "ethtool", "uname", "hostname", "arch", "brctl", "bridge"})
