"""The SSH channel over real sockets: a real asyncssh client connects directly and through
the master (`tunnel=`), with password and key; faults and latency behave."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest

from calipso.errors import ConfigError
from calipso.fetchers.cli.parse.ovs import parse_ovs_vsctl_show
from calipso.fetchers.cli.parse.virsh import parse_virsh_list
from calipso.sim import Cloud, generate, spec_from_flags
from calipso.sim.ssh import SshChannel, open_ssh_channel

USER, PASSWORD = "calipso", "sim-secret"
CLIENT_KEY = asyncssh.generate_private_key("ssh-ed25519")


@pytest.fixture(scope="module")
def cloud() -> Cloud:
    return generate(spec_from_flags(hosts=4, instances=4, networks=2, seed=5))


@pytest.fixture
async def ssh(cloud: Cloud) -> AsyncIterator[SshChannel]:
    pub = CLIENT_KEY.export_public_key().decode()
    async with open_ssh_channel(cloud, user=USER, password=PASSWORD,
                                authorized_keys=pub) as channel:
        yield channel


def pinned(channel: SshChannel, host: str) -> tuple[list[asyncssh.SSHKey], list, list]:
    return ([asyncssh.import_public_key(channel.host_key(host))], [], [])


async def connect(channel: SshChannel, host: str, *, tunnel: asyncssh.SSHClientConnection |
                  None = None, key: bool = False, password: str = PASSWORD,
                  address: str | None = None) -> asyncssh.SSHClientConnection:
    auth = {"client_keys": [CLIENT_KEY], "password": None} if key else {
        "password": password, "client_keys": None}
    target = address or (host if tunnel is not None else channel.host_address(host))
    return await asyncssh.connect(target, channel.port, tunnel=tunnel, username=USER,
                                  known_hosts=pinned(channel, host), **auth)


async def run(conn: asyncssh.SSHClientConnection, command: str) -> asyncssh.SSHCompletedProcess:
    return await conn.run(command, check=False)


async def test_master_is_the_controller_and_answers_its_name(ssh: SshChannel,
                                                             cloud: Cloud) -> None:
    assert "controller" in cloud.host(ssh.master_name).roles
    assert ssh.master_address == cloud.host(ssh.master_name).ssh_address
    assert len({cloud.host(h).ssh_address for h in cloud.hosts}) == len(cloud.hosts)
    async with await connect(ssh, ssh.master_name) as master:
        assert (await run(master, "uname -n")).stdout == ssh.master_name + "\n"


@pytest.mark.parametrize("key", [False, True], ids=["password", "key"])
async def test_direct_and_through_the_master(ssh: SshChannel, cloud: Cloud, key: bool) -> None:
    compute = cloud.compute_hosts()[0]
    async with await connect(ssh, compute.name, key=key) as direct:
        listed = parse_virsh_list((await run(direct, "sudo virsh list")).stdout)
        assert sorted(d.name for d in listed) == sorted(
            i.libvirt_name for i in cloud.instances_on_host(compute.name))
    async with await connect(ssh, ssh.master_name, key=key) as master:
        for alias in (compute.name, compute.name.split(".")[0], compute.ip):
            async with await connect(ssh, compute.name, tunnel=master, key=key,
                                     address=alias) as hop:
                assert (await run(hop, "uname -n")).stdout == compute.name + "\n"
    assert ssh.forwards == 3
    assert ssh.commands_by_host[compute.name] == 4


async def test_host_keys_differ_and_pinning_refuses_another(ssh: SshChannel, cloud: Cloud,
                                                            tmp_path: Path) -> None:
    names = list(cloud.hosts)
    known = tmp_path / "known_hosts"
    known.write_text(ssh.known_hosts())
    async with asyncssh.connect(ssh.master_address, ssh.port, username=USER, password=PASSWORD,
                                known_hosts=str(known)) as master, \
            asyncssh.connect(names[1], ssh.port, tunnel=master, username=USER,
                             password=PASSWORD, known_hosts=str(known)) as hop:
        assert (await run(hop, "hostname")).stdout == names[1] + "\n"
    assert len({ssh.host_key(n) for n in names}) == len(names)
    with pytest.raises(asyncssh.HostKeyNotVerifiable):
        await asyncssh.connect(ssh.host_address(names[1]), ssh.port, username=USER,
                               password=PASSWORD, known_hosts=pinned(ssh, names[2]))
    assert names[1] in ssh.known_hosts() and f"]:{ssh.port} ssh-ed25519 " in ssh.known_hosts()


async def test_wrong_password_user_or_key_refused(ssh: SshChannel, cloud: Cloud) -> None:
    host = cloud.compute_hosts()[0].name
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(ssh, host, password="wrong")
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncssh.connect(ssh.host_address(host), ssh.port, username="root",
                               password=PASSWORD, known_hosts=None, client_keys=None)
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncssh.connect(ssh.host_address(host), ssh.port, username=USER,
                               known_hosts=None, password=None,
                               client_keys=[asyncssh.generate_private_key("ssh-ed25519")])


async def test_unknown_command_missing_device_and_output_formats(ssh: SshChannel,
                                                                 cloud: Cloud) -> None:
    host = cloud.network_hosts()[0].name
    async with await connect(ssh, host) as conn:
        unknown = await run(conn, "sudo frobnicate --now")
        assert (unknown.exit_status, unknown.stderr) == (
            127, "bash: frobnicate: command not found\n")
        missing = await run(conn, "ip address show dev eth9")
        assert (missing.exit_status, missing.stderr) == (1, 'Device "eth9" does not exist.\n')
        show = parse_ovs_vsctl_show((await run(conn, "ovs-vsctl show")).stdout)
        assert show.bridge("br-int") is not None
        netns = (await run(conn, "ip netns list")).stdout
        assert "qdhcp-" in netns and "(id: " in netns


async def test_mutation_shows_up_over_ssh(ssh: SshChannel, cloud: Cloud) -> None:
    host = cloud.compute_hosts()[-1].name
    net = next(n for n in cloud.networks.values() if not n.external)
    async with await connect(ssh, host) as conn:
        inst = cloud.create_instance("over-ssh", net.project_id, [net.id], host=host)
        try:
            assert inst.libvirt_name in (await run(conn, "virsh list")).stdout
            port = cloud.port(inst.port_ids[0])
            assert port.mac in (await run(conn, f"virsh dumpxml {inst.libvirt_name}")).stdout
            assert "qvo" + port.id[:11] in (await run(conn, "ovs-vsctl show")).stdout
        finally:
            cloud.delete_instance(inst.uuid)
        assert inst.libvirt_name not in (await run(conn, "virsh list")).stdout


async def test_refused_hosts_closed_and_auth(ssh: SshChannel, cloud: Cloud) -> None:
    down, locked = cloud.compute_hosts()[0].name, cloud.compute_hosts()[1].name
    async with await connect(ssh, down) as open_before:
        await ssh.refuse_host(down, "closed")
        await asyncio.wait_for(open_before.wait_closed(), 5)  # the host went away
    assert ssh.dead_hosts == [down]
    with pytest.raises(OSError):
        await connect(ssh, down)
    async with await connect(ssh, ssh.master_name) as master:
        with pytest.raises(asyncssh.ChannelOpenError, match="Connection refused"):
            await connect(ssh, down, tunnel=master)
        await ssh.refuse_host(locked, "auth")
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(ssh, locked, tunnel=master)
        await ssh.restore_host(down)
        await ssh.restore_host(locked)
        for host in (down, locked):
            async with await connect(ssh, host, tunnel=master) as conn:
                assert (await run(conn, "hostname")).stdout == host + "\n"


async def test_failing_commands_latency_slow_hosts_and_sudo_warning(ssh: SshChannel,
                                                                     cloud: Cloud) -> None:
    fast, slow = cloud.compute_hosts()[0].name, cloud.compute_hosts()[1].name
    ssh.fail_command("virsh dumpxml", exit_status=1, stderr="error: internal error\n",
                     hosts=[fast])
    ssh.set_sudo_warning([fast])
    async with await connect(ssh, fast) as conn_fast, await connect(ssh, slow) as conn_slow:
        failed = await run(conn_fast, "sudo virsh dumpxml 1")
        assert (failed.exit_status, failed.stderr) == (1, "error: internal error\n")
        assert (await run(conn_slow, "virsh dumpxml 1")).exit_status == 0
        warned = await run(conn_fast, "sudo uname -n")
        assert warned.exit_status == 0 and warned.stdout == fast + "\n"
        assert warned.stderr == (
            f"sudo: unable to resolve host {fast}: Name or service not known\n")
        ssh.clear_command_faults()
        assert (await run(conn_fast, "virsh dumpxml 1")).exit_status == 0
        ssh.set_latency(150)
        ssh.set_slow_host(slow, 300)
        started = time.perf_counter()
        await run(conn_fast, "arch")
        fast_s = time.perf_counter() - started
        started = time.perf_counter()
        await run(conn_slow, "arch")
        slow_s = time.perf_counter() - started
        assert 0.15 <= fast_s < 0.45 <= slow_s
        ssh.set_latency(0)
        ssh.set_slow_host(slow, 0)
        started = time.perf_counter()
        await run(conn_slow, "arch")
        assert time.perf_counter() - started < 0.15


async def test_dead_hosts_option_and_port_choice(cloud: Cloud) -> None:
    async with open_ssh_channel(cloud, user=USER, password=PASSWORD, dead_hosts=2,
                                ovs_legacy=True) as ssh:
        assert len(ssh.dead_hosts) == 2 and ssh.master_name not in ssh.dead_hosts
        assert all(cloud.host(h).is_compute for h in ssh.dead_hosts)
        with pytest.raises(OSError):
            await connect(ssh, ssh.dead_hosts[0])
        alive = next(h for h in cloud.hosts if h not in ssh.dead_hosts and h != ssh.master_name)
        async with await connect(ssh, alive) as conn:
            legacy = (await run(conn, "ovs-vsctl show")).stdout
            assert '    ovs_version: "2.5.9"' in legacy and "Manager" not in legacy
            assert parse_ovs_vsctl_show(legacy).bridge("br-int") is not None
        with pytest.raises(ConfigError):  # the same port on the same addresses is taken
            async with open_ssh_channel(cloud, user=USER, password=PASSWORD, port=ssh.port):
                pass
        async with open_ssh_channel(cloud, user=USER, password=PASSWORD) as other:
            assert other.port != ssh.port
    with pytest.raises(ConfigError):
        async with open_ssh_channel(cloud, user=USER):
            pass


async def test_the_master_forwards_under_uvloop_too(cloud: Cloud) -> None:
    """`calipso serve` runs on uvloop; the jump must work on it as on asyncio's loop."""
    uvloop = pytest.importorskip("uvloop")

    async def hop() -> str:
        async with open_ssh_channel(cloud, user=USER, password=PASSWORD) as ssh, \
                await connect(ssh, ssh.master_name) as master:
            host = cloud.compute_hosts()[0].name
            async with await connect(ssh, host, tunnel=master) as conn:
                return (await run(conn, "ip -d link show")).stdout

    text = await asyncio.to_thread(uvloop.run, hop())
    assert "eth0" in text and text.endswith("\n")


async def test_host_keys_dir_keeps_keys_across_runs(cloud: Cloud, tmp_path: Path) -> None:
    host = cloud.compute_hosts()[0].name
    keys = []
    for key_dir in (tmp_path, tmp_path, None):
        async with open_ssh_channel(cloud, user=USER, password=PASSWORD,
                                    host_keys_dir=key_dir) as ssh:
            keys.append(ssh.host_key(host))
    assert keys[0] == keys[1] != keys[2]
    assert (tmp_path / f"{host}.key").stat().st_mode & 0o777 == 0o600
