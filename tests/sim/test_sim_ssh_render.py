"""The simulated hosts' command outputs, without sockets: they parse with Calipso's parsers
and agree with the model, for every driver and type driver; mutations show up."""

from __future__ import annotations

import re

import pytest

from calipso.fetchers.cli.parse.bonding import parse_bonding_list, parse_proc_net_bonding
from calipso.fetchers.cli.parse.brctl import parse_brctl_show
from calipso.fetchers.cli.parse.bridge_fdb import parse_bridge_fdb_show
from calipso.fetchers.cli.parse.ethtool import parse_ethtool
from calipso.fetchers.cli.parse.ip_address import parse_ip_address_show, parse_ip_link_show
from calipso.fetchers.cli.parse.netns import parse_ip_netns_list
from calipso.fetchers.cli.parse.os_release import parse_os_release
from calipso.fetchers.cli.parse.ovs import (
    parse_ovs_dpctl_show,
    parse_ovs_vsctl_list_ifaces,
    parse_ovs_vsctl_show,
)
from calipso.fetchers.cli.parse.sys_class_net import parse_sys_class_net
from calipso.fetchers.cli.parse.virsh import parse_virsh_dumpxml, parse_virsh_list
from calipso.fetchers.cli.parse.vpp import (
    parse_vppctl_show_hardware,
    parse_vppctl_show_int,
    parse_vppctl_show_mode,
    parse_vppctl_show_version,
)
from calipso.sim import Cloud, generate, spec_from_flags
from calipso.sim.model import OWNER_COMPUTE, OWNER_DHCP, ip_hex
from calipso.sim.ssh.commands import HostTools
from calipso.sim.ssh.shell import Result, Shell

VARIANTS = [
    ("ovs", "hybrid", "vxlan"), ("ovs", "hybrid", "vlan"),
    ("ovs", "openvswitch", "vxlan"), ("ovs", "openvswitch", "vlan"),
    ("lxb", "hybrid", "vxlan"), ("lxb", "hybrid", "vlan"),
    ("vpp", "hybrid", "vxlan"), ("vpp", "hybrid", "vlan"),
]
IDS = [f"{d}-{f}-{t}" for d, f, t in VARIANTS]


def make_cloud(driver: str, firewall: str, type_driver: str) -> Cloud:
    return generate(spec_from_flags(
        hosts={"combined": 1, "networks": 1, "computes": 3}, instances=8, networks=3,
        driver=driver, type_driver=type_driver, firewall=firewall, bonds=2, seed=11,
        ports_per_instance=1))


@pytest.fixture(scope="module", params=VARIANTS, ids=IDS)
def cloud(request: pytest.FixtureRequest) -> Cloud:
    return make_cloud(*request.param)


def sh(cloud: Cloud, host: str, command: str) -> Result:
    tools = HostTools(cloud, host)
    return Shell(tools, tools.read_file).run(command)


def out(cloud: Cloud, host: str, command: str) -> str:
    result = sh(cloud, host, command)
    assert result.exit_status == 0, (host, command, result)
    return result.stdout


def l2_hosts(cloud: Cloud) -> list[str]:
    return [h.name for h in cloud.hosts.values() if h.is_compute or h.is_network]


# ---- every command parses ----------------------------------------------------------------

def test_generic_commands_parse_and_match_the_host(cloud: Cloud) -> None:
    for name in cloud.hosts:
        host = cloud.host(name)
        wiring = cloud.wiring(name)
        links = parse_ip_link_show(out(cloud, name, "ip -d link show"))
        assert [i.name for i in links] == [d.name for d in wiring.devs]
        assert len({i.index for i in links}) == len(links)
        addrs = parse_ip_address_show(out(cloud, name, "ip address show"))
        by_name = {i.name: i for i in addrs}
        assert by_name[host.mgmt_iface].ipv4[0].address == host.ip
        assert by_name[host.tunnel_iface].ipv4[0].address == host.tunnel_ip
        assert parse_ip_link_show(out(cloud, name, "ip link show"))[1].name == "eth0"
        single = parse_ip_address_show(out(cloud, name, "ip address show eth0"))
        assert [i.mac_address for i in single] == [host.pnics[0].mac]
        nics = parse_sys_class_net(
            out(cloud, name, 'ls -l /sys/class/net | grep ^l | grep -v "/virtual/"'))
        assert nics == sorted(n.name for n in host.pnics)
        for nic in host.pnics:
            settings = parse_ethtool(out(cloud, name, f"ethtool {nic.name}"))
            assert settings.attributes["Speed"] == f"{nic.speed_mbps}Mb/s"
        bonds = parse_bonding_list(sh(cloud, name, "ls -1 /proc/net/bonding/ 2>&1").stdout)
        assert bonds == [b.name for b in host.bonds]
        for bond in host.bonds:
            parsed = parse_proc_net_bonding(out(cloud, name, f"cat /proc/net/bonding/{bond.name}"))
            assert [s.name for s in parsed.slaves] == list(bond.slaves)
            assert parsed.mode == bond.mode
        release = parse_os_release(
            out(cloud, name, 'cat /etc/os-release && echo "ARCHITECURE=`arch`"'))
        assert (release.id, release.version_id, release.architecture) == (
            host.os.id, host.os.version_id, "x86_64")
        assert out(cloud, name, "uname -n") == name + "\n"
        parse_brctl_show(out(cloud, name, "brctl show"))
        parse_bridge_fdb_show(out(cloud, name, "bridge fdb show"))


def test_namespaces_parse_and_hold_the_dhcp_ports(cloud: Cloud) -> None:
    """Every DHCP-enabled subnet's network has qdhcp-<net> on a network host, holding the
    DHCP port's MAC and IP; routers have qrouter-<id> with their interfaces."""
    dhcp_nets = {s.network_id for s in cloud.subnets.values() if s.enable_dhcp}
    assert dhcp_nets
    for net_id in dhcp_nets:
        host = cloud.dhcp_host(net_id)
        assert host is not None and cloud.host(host).is_network
        names = [ns.name for ns in parse_ip_netns_list(out(cloud, host, "ip netns list"))]
        assert f"qdhcp-{net_id}" in names
        port = next(p for p in cloud.ports_on_network(net_id) if p.device_owner == OWNER_DHCP)
        for command in ("ip address show", "ip -d link show", "ip link show"):
            ifaces = parse_ip_address_show(
                out(cloud, host, f"sudo ip netns exec qdhcp-{net_id} {command}"))
            mine = [i for i in ifaces if i.mac_address == port.mac]
            assert len(mine) == 1, command
        ifaces = parse_ip_address_show(out(cloud, host, f"ip netns exec qdhcp-{net_id} ip a"))
        mine = next(i for i in ifaces if i.mac_address == port.mac)
        assert {a.address for a in mine.ipv4} == {ip.ip_address for ip in port.fixed_ips}
        assert "proto kernel" in out(cloud, host, f"ip netns exec qdhcp-{net_id} ip route")
    for router in cloud.routers.values():
        ifaces = parse_ip_address_show(
            out(cloud, router.host, f"ip netns exec qrouter-{router.id} ip address show"))
        assert {i.mac_address for i in ifaces if i.name != "lo"} == {
            p.mac for p in cloud.router_ports(router.id)}


def test_instances_in_virsh_with_their_port_macs(cloud: Cloud) -> None:
    driver, firewall = cloud.spec.driver, cloud.spec.firewall
    for host in cloud.compute_hosts():
        listed = parse_virsh_list(out(cloud, host.name, "virsh list"))
        instances = cloud.instances_on_host(host.name)
        assert sorted(d.name for d in listed) == sorted(i.libvirt_name for i in instances)
        for inst in instances:
            by_id = next(d.id for d in listed if d.name == inst.libvirt_name)
            for ref in (str(by_id), inst.libvirt_name, inst.uuid):
                domain = parse_virsh_dumpxml(out(cloud, host.name, f"virsh dumpxml {ref}"))
                assert (domain.uuid, domain.name, domain.id) == (inst.uuid, inst.libvirt_name,
                                                                 by_id)
            ports = [cloud.port(p) for p in inst.port_ids]
            assert [i.mac_address for i in domain.interfaces] == [p.mac for p in ports]
            for iface, port in zip(domain.interfaces, ports, strict=True):
                if driver == "vpp":
                    assert iface.type == "vhostuser"
                    assert iface.source["path"] == port.vif_details["vhostuser_socket"]
                elif driver == "lxb":
                    assert iface.source_bridge == "brq" + port.network_id[:11]
                elif firewall == "hybrid":
                    assert iface.source_bridge == "qbr" + port.id[:11]
                    assert iface.target_dev == "tap" + port.id[:11]
                else:
                    assert (iface.source_bridge, iface.virtualport_type, iface.interface_id) \
                        == ("br-int", "openvswitch", port.id)
    missing = sh(cloud, cloud.compute_hosts()[0].name, "virsh dumpxml instance-ffffffff")
    assert (missing.exit_status, missing.stderr) == (
        1, "error: failed to get domain 'instance-ffffffff'\n")


def test_ovs_ports_tags_and_tunnels(cloud: Cloud) -> None:
    if cloud.spec.driver != "ovs":
        assert sh(cloud, l2_hosts(cloud)[0], "ovs-vsctl show").exit_status == 127
        return
    hybrid = cloud.spec.firewall == "hybrid"
    for name in l2_hosts(cloud):
        show = parse_ovs_vsctl_show(out(cloud, name, "sudo ovs-vsctl show"))
        br_int = show.bridge("br-int")
        assert br_int is not None and show.ovs_version == "3.3.1"
        tags = {p.name: p.tag for p in br_int.ports}
        dp = {p.name: p.port_no for p in parse_ovs_dpctl_show(out(cloud, name, "ovs-dpctl show"))}
        bridges = {b.name: set(b.interfaces) for b in parse_brctl_show(out(cloud, name,
                                                                          "brctl show"))}
        alloc = cloud.alloc[name]
        for port in cloud.ports_on_host(name):
            tag = alloc.tag(port.network_id)
            if port.device_owner == OWNER_COMPUTE and hybrid:
                qbr = "qbr" + port.id[:11]
                assert bridges[qbr] == {"qvb" + port.id[:11], "tap" + port.id[:11]}
                ovs_name = "qvo" + port.id[:11]
            else:
                ovs_name = port.devname
            assert tags[ovs_name] == tag
            assert dp[ovs_name] == alloc.ports[port.id][0]
        ifaces = parse_ovs_vsctl_list_ifaces(out(cloud, name, "ovs-vsctl list-ifaces br-int"))
        assert set(ifaces) == {p.name for p in br_int.ports} - {"br-int"}
        tun = show.bridge("br-tun")
        if cloud.spec.type_driver == "vlan":
            assert tun is None
            br_ex = show.bridge("br-ex")
            assert br_ex is not None
            assert cloud.host(name).provider_iface in {p.name for p in br_ex.ports}
            continue
        assert tun is not None
        remotes = {t.remote_ip for t in cloud.wiring(name).tunnels}
        assert remotes
        vx = [p for p in tun.ports if p.name.startswith("vxlan-")]
        assert {p.interfaces[0].options["remote_ip"] for p in vx} == remotes
        for port in vx:
            options = port.interfaces[0].options
            assert port.name == "vxlan-" + ip_hex(options["remote_ip"])
            assert options["local_ip"] == cloud.host(name).tunnel_ip
    error = sh(cloud, l2_hosts(cloud)[0], "ovs-vsctl list-ifaces br-nope")
    assert (error.exit_status, error.stderr) == (1, "ovs-vsctl: no bridge named br-nope\n")


def test_linux_bridge_members_uplinks_and_fdb(cloud: Cloud) -> None:
    if cloud.spec.driver != "lxb":
        return
    for name in l2_hosts(cloud):
        host = cloud.host(name)
        bridges = {b.name: set(b.interfaces) for b in parse_brctl_show(out(cloud, name,
                                                                          "brctl show"))}
        links = {i.name: i for i in parse_ip_link_show(out(cloud, name, "ip -d link show"))}
        for port in cloud.ports_on_host(name):
            net = cloud.network(port.network_id)
            brq = "brq" + net.id[:11]
            assert "tap" + port.id[:11] in bridges[brq]
            assert links["tap" + port.id[:11]].master == brq
            if net.network_type == "vxlan":
                vx = links[f"vxlan-{net.segmentation_id}"]
                assert vx.vxlan is not None
                assert (vx.vxlan.vni, vx.vxlan.local, vx.master) == (
                    net.segmentation_id, host.tunnel_ip, brq)
            elif net.network_type == "vlan":
                vlan = links[f"{host.provider_iface}.{net.segmentation_id}"]
                assert vlan.vlan is not None and vlan.vlan.vlan_id == net.segmentation_id
                assert vlan.peer == host.provider_iface and vlan.master == brq
            else:
                assert links[host.provider_iface].master == brq
        fdb = parse_bridge_fdb_show(out(cloud, name, "bridge fdb show"))
        dsts = {(e.dev, e.dst) for e in fdb if e.dst}
        assert dsts == {(t.name, t.remote_ip) for t in cloud.wiring(name).tunnels}


def test_vpp_interfaces_modes_and_macs(cloud: Cloud) -> None:
    if cloud.spec.driver != "vpp":
        assert sh(cloud, l2_hosts(cloud)[0], "vppctl show ver").exit_status == 127
        return
    for name in l2_hosts(cloud):
        assert parse_vppctl_show_version(out(cloud, name, "vppctl show ver")).binary.startswith(
            "vpp v")
        ints = {i.name: i for i in parse_vppctl_show_int(out(cloud, name, "vppctl show int"))}
        modes = {m.interface: m for m in parse_vppctl_show_mode(out(cloud, name,
                                                                    "vppctl show mode"))}
        hardware = {h.name: h for h in parse_vppctl_show_hardware(
            out(cloud, name, "vppctl show hardware-interfaces"))}
        assert set(ints) == set(modes) == set(hardware)
        alloc = cloud.alloc[name]
        for iface in cloud.wiring(name).vpp_interfaces:
            if iface.port_id is None:
                continue
            port = cloud.port(iface.port_id)
            assert hardware[iface.name].mac_address == port.mac
            assert modes[iface.name].bd_id == alloc.tag(port.network_id)
            one = parse_vppctl_show_hardware(
                out(cloud, name, f"vppctl show hardware-int {iface.name}"))
            assert [h.name for h in one] == [iface.name]
        uplink = "vxlan_tunnel" if cloud.spec.type_driver == "vxlan" else "TenGigabitEthernet"
        assert any(n.startswith(uplink) for n, m in modes.items() if m.bd_id)
        # `show int addr` (VPP's own layout; no capture): L2 membership and the tunnel IP
        addr = out(cloud, name, "vppctl show int addr")
        assert set(re.findall(r"^(\S+) \((?:up|dn)\):$", addr, re.M)) == set(ints)
        for iface, mode in modes.items():
            if mode.bd_id is not None:
                assert re.search(rf"^{re.escape(iface)} \(up\):\n  L2 bridge bd-id "
                                 rf"{mode.bd_id} idx \d+ shg \d+  $", addr, re.M)
        tunnel_ip = f"  L3 {cloud.host(name).tunnel_ip}/"
        assert (tunnel_ip in addr) == (cloud.spec.type_driver == "vxlan")


# ---- mutations and the shell ---------------------------------------------------------

@pytest.mark.parametrize("variant", VARIANTS[::2], ids=IDS[::2])
def test_a_new_instance_shows_up_and_a_deleted_one_goes(variant: tuple[str, str, str]) -> None:
    cloud = make_cloud(*variant)
    host = cloud.compute_hosts()[0].name
    tools = HostTools(cloud, host)
    shell = Shell(tools, tools.read_file)
    before = shell.run("ip link show").stdout
    net = next(n for n in cloud.networks.values() if not n.external)
    inst = cloud.create_instance("added", net.project_id, [net.id], host=host)
    port = cloud.port(inst.port_ids[0])
    assert inst.libvirt_name in shell.run("virsh list").stdout
    domain = parse_virsh_dumpxml(shell.run(f"virsh dumpxml {inst.uuid}").stdout)
    assert [i.mac_address for i in domain.interfaces] == [port.mac]
    everything = "".join(shell.run(c).stdout for c in (
        "ip -d link show", "brctl show", "ovs-vsctl show", "vppctl show mode",
        "vppctl show hardware-int"))
    mark = "VirtualEthernet" if variant[0] == "vpp" else "tap" + port.id[:11]
    assert mark in everything and (variant[0] == "vpp" or port.id[:11] not in before)
    old = {i.name: i.index for i in parse_ip_link_show(before)}
    new = {i.name: i.index for i in parse_ip_link_show(shell.run("ip link show").stdout)}
    assert all(new[n] == old[n] for n in old)  # the kernel never renumbers a device
    cloud.delete_instance(inst.uuid)
    assert inst.libvirt_name not in shell.run("virsh list").stdout
    assert shell.run(f"virsh dumpxml {inst.uuid}").exit_status == 1


def test_shell_errors_pipes_and_sudo() -> None:
    cloud = make_cloud("ovs", "hybrid", "vxlan")
    host = cloud.compute_hosts()[-1].name
    tools = HostTools(cloud, host)
    shell = Shell(tools, tools.read_file,
                  sudo_warning=f"sudo: unable to resolve host {host}: Name or service not known")
    assert shell.run("frobnicate -x") == Result("", "bash: frobnicate: command not found\n", 127)
    assert shell.run("ip address show dev eth9") == Result(
        "", 'Device "eth9" does not exist.\n', 1)
    assert shell.run("ip netns exec qdhcp-x ip a").stderr == (
        'Cannot open network namespace "qdhcp-x": No such file or directory\n')
    nobond = shell.run("ls -1 /proc/net/bonding/ 2>&1")
    assert nobond.exit_status == 2 and parse_bonding_list(nobond.stdout) == []
    assert nobond.stdout == (
        "ls: cannot access '/proc/net/bonding/': No such file or directory\n")
    assert shell.run("cat /proc/net/bonding/bond0").exit_status == 1
    sudo = shell.run("sudo uname -n")
    assert (sudo.stdout, sudo.exit_status) == (host + "\n", 0)
    assert sudo.stderr.startswith("sudo: unable to resolve host")
    assert shell.run("false && uname -n").stdout == ""
    assert shell.run("false || uname -n ; arch").stdout == host + "\nx86_64\n"
    assert shell.run("ip link show | grep -c 'state'").stdout.strip().isdigit()
    assert shell.run("ls /sys/class/net | grep -v eth | head -n 1").stdout == "br-int\n"
    assert shell.run("echo $(uname -n)").stdout == host + "\n"
    assert shell.run("ip netns list").stdout == ""  # computes have no namespaces
    assert shell.run("ip -x link").exit_status == 255
    assert shell.run("grep -E 'ID=(ubuntu|debian)$' /etc/os-release").stdout == "ID=ubuntu\n"
    assert shell.run("ethtool eth9").exit_status != 0
    assert shell.run("echo 'unbalanced").exit_status == 2
