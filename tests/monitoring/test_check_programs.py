"""The check programs Sensu runs on hosts, run for real against network namespaces,
veths, Linux bridges and a userspace Open vSwitch that each test makes (and removes)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fetchers.cli.real_host import RealHost, run, skip_reason

import calipso.monitoring.checks as checks_package
from calipso.sim import generate, spec_from_flags
from calipso.sim.ssh.commands import HostTools
from calipso.sim.ssh.shell import Shell

CHECKS = Path(checks_package.__path__[0])
pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def host(tmp_path: Path) -> Iterator[RealHost]:
    reason = skip_reason()
    if reason is not None:
        pytest.skip(reason)
    with RealHost(tmp_path) as real:
        yield real


def check(host: RealHost, program: str, *args: str, ns: str | None = None) -> tuple[int, str]:
    """Run a check program inside the host's namespace: its exit status and output."""
    done = subprocess.run(["ip", "netns", "exec", ns or host.ns, sys.executable,
                           str(CHECKS / program), *args], capture_output=True, text=True,
                          timeout=60, check=False)
    return done.returncode, done.stdout.strip()


def test_every_check_program_is_standard_library_only() -> None:
    for path in CHECKS.glob("check_*.py"):
        text = path.read_text()
        assert "calipso" not in text.split('"""', 2)[2], path.name  # no import of ours
        assert text.startswith("#!/usr/bin/env python3"), path.name


def test_pnic_link_state(host: RealHost) -> None:
    host.sh("ip", "link", "add", "pn0", "type", "veth", "peer", "name", "pn1")
    host.sh("ip", "link", "set", "pn0", "up")
    host.sh("ip", "link", "set", "pn1", "up")
    assert check(host, "check_pnic_ovs.py", "pn0") == (0, "pn0: link up")
    host.sh("ip", "link", "set", "pn0", "down")
    assert check(host, "check_pnic_ovs.py", "pn0") == (2, "pn0: link down")
    assert check(host, "check_pnic_ovs.py", "nope0")[0] == 2


def test_vconnector_and_vnic_attachment_on_a_linux_bridge(host: RealHost) -> None:
    host.sh("ip", "link", "add", "qbrtest", "type", "bridge")
    host.sh("ip", "link", "add", "taptest", "type", "veth", "peer", "name", "qvbtest")
    mac = host.sh("cat", "/sys/class/net/taptest/address").strip()
    assert check(host, "check_vconnector.py", "qbrtest")[0] == 0
    assert check(host, "check_vnic_vconnector.py", "qbrtest", "taptest")[0] == 2
    host.sh("ip", "link", "set", "taptest", "master", "qbrtest")
    assert check(host, "check_vnic_vconnector.py", "qbrtest", "taptest")[0] == 0
    assert check(host, "check_vnic_vconnector.py", "qbrtest", mac.upper())[0] == 0
    host.sh("ip", "link", "del", "qbrtest")
    assert check(host, "check_vconnector.py", "qbrtest") == (2, "qbrtest: no such bridge")
    assert check(host, "check_vnic_vconnector.py", "qbrtest", "taptest")[0] == 2


def test_ovs_bridge_port_and_daemons(host: RealHost, tmp_path: Path) -> None:
    host.vsctl("add-br", "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev")
    host.vsctl("add-port", "br-int", "tapovs1", "--", "set", "interface", "tapovs1",
               "type=internal")
    db = ["--ovs-db", host.db]
    assert check(host, "check_vconnector.py", "br-int", *db)[0] == 0
    assert check(host, "check_vnic_vconnector.py", "br-int", "tapovs1", *db)[0] == 0
    assert check(host, "check_vnic_vconnector.py", "br-int", "tapother", *db)[0] == 2
    rundir = tmp_path / "run"
    rundir.mkdir()
    (rundir / "ovs-vswitchd.pid").symlink_to(tmp_path / "vswitchd.pid")
    (rundir / "ovsdb-server.pid").symlink_to(tmp_path / "ovsdb.pid")
    args = ["--rundir", str(rundir), "--appctl-target", str(tmp_path / "vswitchd.ctl")]
    assert check(host, "check_vedge_ovs.py", *args, "br-int", "tapovs1")[0] == 0
    status, text = check(host, "check_vedge_ovs.py", *args, "br-int", "tapgone")
    assert (status, text) == (1, "ports missing: tapgone")
    host.appctl("exit")  # ovs-vswitchd stops
    status, text = check(host, "check_vedge_ovs.py", *args)
    assert (status, text) == (2, "ovs-vswitchd not running")


def test_vservice_needs_a_process_in_its_namespace(host: RealHost) -> None:
    ns = f"{host.ns}-qdhcp"
    host.add_namespace(ns)
    assert check(host, "check_vservice.py", "dhcp", ns) == (2, f"{ns}: no process in the "
                                                              "namespace")
    sleeper = subprocess.Popen(["ip", "netns", "exec", ns, "sleep", "60"])
    try:
        assert check(host, "check_vservice.py", "dhcp", ns) == (0, f"{ns}: 1 processes")
    finally:
        sleeper.kill()
        sleeper.wait()
    assert check(host, "check_vservice.py", "dhcp", f"{ns}-gone")[0] == 2


def test_ping_between_namespaces_and_instance_communications(host: RealHost) -> None:
    far = f"{host.ns}-far"
    host.add_namespace(far)
    host.sh("ip", "link", "add", "ve0", "type", "veth", "peer", "name", "ve1")
    host.sh("ip", "link", "set", "ve1", "netns", far)
    host.sh("ip", "addr", "add", "10.99.0.1/24", "dev", "ve0")
    host.sh("ip", "link", "set", "ve0", "up")
    run("ip", "netns", "exec", far, "ip", "addr", "add", "10.99.0.2/24", "dev", "ve1")
    run("ip", "netns", "exec", far, "ip", "link", "set", "ve1", "up")
    fast = ["-c", "2", "-i", "0.05"]
    status, text = check(host, "check_ping.py", "-t", "10.99.0.2", "-f", "10.99.0.1", *fast)
    assert status == 0 and "2 received" in text
    status, text = check(host, "check_ping.py", "-t", "10.99.0.9", *fast)
    assert status == 2 and "100% packet loss" in text
    status, _ = check(host, "check_ping.py", "-n", far, "-t", "10.99.0.1", *fast)
    assert status == 0
    pairs = f"{far},10.99.0.1;{far},10.99.0.7"
    status, text = check(host, "check_instance_communications.py", pairs)
    assert status == 1 and text.startswith("1 of 2 addresses answer")
    assert check(host, "check_instance_communications.py", f"{far},10.99.0.1")[0] == 0


def test_vpp_checks_read_vppctl(tmp_path: Path) -> None:
    """No VPP here: ``vppctl`` is a stand-in printing what the simulator's VPP host prints
    (its formats are checked against captures in tests/sim)."""
    cloud = generate(spec_from_flags(hosts=2, instances=1, driver="vpp", seed=2))
    compute = next(h for h in cloud.hosts.values() if h.is_compute)
    tools = HostTools(cloud, compute.name)
    shell = Shell(tools, tools.read_file)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for args in (("show", "version"), ("show", "hardware-interfaces")):
        (tmp_path / "_".join(args)).write_text(shell.run("vppctl " + " ".join(args)).stdout)
    stand_in = bin_dir / "vppctl"
    stand_in.write_text(f'#!/bin/sh\ncat "{tmp_path}/$1_$2"\n')
    stand_in.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}

    def vpp(program: str, *args: str) -> tuple[int, str]:
        done = subprocess.run([sys.executable, str(CHECKS / program), *args], env=env,
                              capture_output=True, text=True, timeout=30, check=False)
        return done.returncode, done.stdout.strip()

    assert vpp("check_vedge_vpp.py")[0] == 0
    assert vpp("check_pnic_vpp.py") == (0, "TenGigabitEthernet5/0/0: up")
    status, text = vpp("check_vnic_vpp.py")
    assert status == 0 and text.startswith("VirtualEthernet0/0/")
    hardware = tmp_path / "show_hardware-interfaces"
    lines = hardware.read_text().splitlines()
    uplink = next(i for i, ln in enumerate(lines) if ln.startswith("TenGigabitEthernet"))
    lines[uplink] = lines[uplink].replace(" up ", " down ")
    hardware.write_text("\n".join(lines) + "\n")
    assert vpp("check_pnic_vpp.py") == (2, "TenGigabitEthernet5/0/0: down")
    assert vpp("check_vnic_vpp.py", "VirtualEthernet0/0/99")[0] == 2
    (tmp_path / "show_version").write_text("")
    assert vpp("check_vedge_vpp.py") == (2, "VPP does not answer")
