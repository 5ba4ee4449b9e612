"""Measure the SSH channel: start-up for a large cloud, rendering without sockets, and
commands per second over real SSH (client and server in this one process).

`python -m calipso.sim.ssh.measure [driver] [hosts] [instances] [ssh_hosts] [uvloop]`
(defaults: ovs 1000 20000 100, asyncio's own loop).
"""

from __future__ import annotations

import asyncio
import sys
import time

import asyncssh

from calipso.sim import generate, spec_from_flags
from calipso.sim.ssh.channel import SshChannel, open_ssh_channel

# What the CLI fetchers run on a host, in scan order (see reference §3.3).
SCAN_COMMANDS = (
    'ls -l /sys/class/net | grep ^l | grep -v "/virtual/"',
    "ip address show eth0",
    "ethtool eth0",
    "ls -1 /proc/net/bonding/ 2>&1",
    'cat /etc/os-release && echo "ARCHITECURE=`arch`"',
    "ip -d link show",
    "ip address show",
    "brctl show",
    "bridge fdb show",
    "ip netns list",
)
DRIVER_COMMANDS = {
    "ovs": ("ovs-vsctl show", "ovs-dpctl show"),
    "lxb": (),
    "vpp": ("vppctl show ver", "vppctl show int", "vppctl show mode",
            "vppctl show hardware-int"),
    "ovn": ("ovs-vsctl show", "ovs-dpctl show", "ovs-vsctl get open . external_ids"),
}


def host_commands(channel: SshChannel, host: str) -> list[str]:
    cloud = channel.cloud
    commands = [f"sudo {c}" for c in SCAN_COMMANDS + DRIVER_COMMANDS[cloud.spec.driver]]
    record = cloud.host(host)
    if record.is_compute:
        commands.append("sudo virsh list")
        commands += [f"sudo virsh dumpxml {d.domain_id}" for d in cloud.wiring(host).domains]
    if record.is_network:
        commands += [f"sudo ip netns exec {ns} ip address show"
                     for ns in cloud.wiring(host).namespaces]
    return commands


def measure_render(channel: SshChannel) -> tuple[int, float]:
    count = 0
    started = time.perf_counter()
    for host in channel.cloud.hosts:
        shell = channel.shell(host)
        for command in host_commands(channel, host):
            shell.run(command)
            count += 1
    return count, time.perf_counter() - started


async def measure_ssh(channel: SshChannel, password: str, hosts: int) -> tuple[int, float]:
    """Scan-like load: through the master, up to 10 handshakes at once, each host's
    commands 4 at a time."""
    names = [h for h in channel.cloud.hosts if h != channel.master_name][:hosts]
    handshakes = asyncio.Semaphore(10)
    count = 0
    async with asyncssh.connect(channel.master_address, channel.port, username=channel.user,
                                password=password, known_hosts=None) as master:

        async def one(host: str) -> None:
            nonlocal count
            async with handshakes:
                conn = await asyncssh.connect(host, channel.port, tunnel=master,
                                              username=channel.user, password=password,
                                              known_hosts=None)
            per_host = asyncio.Semaphore(4)

            async def run(command: str) -> None:
                nonlocal count
                async with per_host:
                    result = await conn.run(command, check=False)
                    if result.exit_status not in (0, 2):  # 2: `ls` of a missing bonding dir
                        raise RuntimeError(f"{host}: {command}: {result.stderr}")
                    count += 1

            async with conn:
                await asyncio.gather(*(run(c) for c in host_commands(channel, host)))

        started = time.perf_counter()
        await asyncio.gather(*(one(h) for h in names))
        return count, time.perf_counter() - started


async def main(driver: str, hosts: int, instances: int, ssh_hosts: int) -> None:
    started = time.perf_counter()
    cloud = generate(spec_from_flags(hosts=hosts, instances=instances,
                                     networks=max(1, instances // 100), driver=driver,
                                     seed=1))
    print(f"generate: {time.perf_counter() - started:.2f} s ({hosts} hosts, "
          f"{instances} instances, {driver})")
    password = "measure"
    started = time.perf_counter()
    async with open_ssh_channel(cloud, user="calipso", password=password) as channel:
        print(f"open_ssh_channel: {time.perf_counter() - started:.2f} s "
              f"(listeners {channel.startup_seconds:.2f} s, port {channel.port})")
        count, seconds = measure_render(channel)
        print(f"render (no sockets, first pass incl. wiring): {count} commands in "
              f"{seconds:.2f} s = {count / seconds:,.0f}/s")
        count, seconds = measure_render(channel)
        print(f"render (no sockets, wiring cached): {count} commands in {seconds:.2f} s "
              f"= {count / seconds:,.0f}/s")
        count, seconds = await measure_ssh(channel, password, ssh_hosts)
        print(f"ssh via master ({ssh_hosts} hosts, client in-process): {count} commands in "
              f"{seconds:.2f} s = {count / seconds:,.0f}/s")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "uvloop"]
    if "uvloop" in sys.argv[1:]:
        import uvloop

        uvloop.install()
    asyncio.run(main(args[0] if args else "ovs", int(args[1]) if len(args) > 1 else 1000,
                     int(args[2]) if len(args) > 2 else 20_000,
                     int(args[3]) if len(args) > 3 else 100))
