"""Benchmark of the simulator as `calipso sim` runs it: a child process serving a large cloud.

    .venv/bin/python bench/sim.py [--driver ovs] [--hosts 1000] [--instances 20000]
                                  [--networks 200] [--seconds 10] [--concurrency 32] [--ssh]

Prints one JSON line: seconds from spawn until the environment file exists (generated,
APIs and SSH serving) and until the truth file exists too, the child's CPU seconds until
then (the machine is shared: wall times grow with the load, shown as `load1`), the
child's RSS (now and peak), a full paged read of servers/detail and of Neutron ports, API
requests/s on a mix of single-object calls (servers/{id}, ports?device_id=,
networks/{id}), and SSH commands/s (`ip link show` on the master) with `--ssh`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from calipso.sim.server import SimProcess


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (load-independent, unlike wall time)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


async def login(http: aiohttp.ClientSession, env: dict[str, Any]) -> tuple[str, dict[str, str]]:
    os_ = env["configuration"][0]
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": os_["user"], "domain": {"name": "Default"}, "password": os_["pwd"]}}},
        "scope": {"project": {"name": os_["admin_project"], "domain": {"name": "Default"}}}}}
    async with http.post(os_["auth_url"] + "/auth/tokens", json=body) as resp:
        token = resp.headers["X-Subject-Token"]
        catalog = (await resp.json())["token"]["catalog"]
    urls = {svc["type"]: ep["url"] for svc in catalog for ep in svc["endpoints"]
            if ep["interface"] == "public"}
    return token, urls


async def get_json(http: aiohttp.ClientSession, url: str, token: str) -> Any:
    async with http.get(url, headers={"X-Auth-Token": token}) as resp:
        if resp.status != 200:
            raise RuntimeError(f"GET {url}: {resp.status}")
        return await resp.json()


async def read_all(http: aiohttp.ClientSession, url: str, token: str, key: str
                   ) -> tuple[list[dict[str, Any]], float]:
    started = time.perf_counter()
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        data = await get_json(http, next_url, token)
        items.extend(data[key])
        next_url = next((link["href"] for link in data.get(f"{key}_links", [])
                         if link["rel"] == "next"), None)
    return items, time.perf_counter() - started


async def request_rate(http: aiohttp.ClientSession, urls: list[str], token: str,
                       seconds: float, concurrency: int) -> float:
    deadline = time.perf_counter() + seconds
    count = 0
    cycle = itertools.cycle(urls)

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            await get_json(http, next(cycle), token)
            count += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


async def ssh_rate(env: dict[str, Any], seconds: float, concurrency: int) -> float | None:
    """SSH commands/s through the CLI section's master host (one connection per worker)."""
    cli = next((s for s in env["configuration"] if s["name"] == "CLI"), None)
    if cli is None:
        return None
    import asyncssh

    conns = [await asyncssh.connect(cli["host"], port=cli["port"], username=cli["user"],
                                    password=cli.get("pwd"), known_hosts=None)
             for _ in range(min(concurrency, 8))]
    deadline = time.perf_counter() + seconds
    count = 0

    async def worker(conn: asyncssh.SSHClientConnection) -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            await conn.run("ip link show", check=False)
            count += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    rate = count / (time.perf_counter() - started)
    for conn in conns:
        conn.close()
    return rate


async def main(opts: argparse.Namespace) -> None:
    args = ["--hosts", str(opts.hosts), "--instances", str(opts.instances),
            "--networks", str(opts.networks), "--driver", opts.driver, "--seed", "1",
            "--env-name", "bench"]
    if not opts.ssh:
        args.append("--no-ssh")
    with tempfile.TemporaryDirectory() as work:
        async with SimProcess(args, Path(work), start_timeout=300) as child, \
                aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            ready = child.start_seconds
            ready_cpu = cpu_seconds(child.pid)
            rss_now, rss_peak = rss_mib(child.pid)
            truth_mib = (Path(work) / "truth.json").stat().st_size / 2**20
            token, urls = await login(http, child.env)
            servers, servers_s = await read_all(
                http, urls["compute"] + "/servers/detail?all_tenants=1&limit=1000", token,
                "servers")
            ports, ports_s = await read_all(http, urls["network"] + "/v2.0/ports", token,
                                            "ports")
            rng = random.Random(1)
            sample = rng.sample(servers, min(200, len(servers)))
            nets = {p["network_id"] for p in ports}
            mix = [u for s in sample for u in (
                f"{urls['compute']}/servers/{s['id']}",
                f"{urls['network']}/v2.0/ports?device_id={s['id']}")]
            mix += [f"{urls['network']}/v2.0/networks/{n}" for n in sorted(nets)[:100]]
            rate = await request_rate(http, mix, token, opts.seconds, opts.concurrency)
            ssh = await ssh_rate(child.env, opts.seconds, opts.concurrency) if opts.ssh else None
            _, rss_peak = rss_mib(child.pid)
    result = {
        "driver": opts.driver, "hosts": opts.hosts, "instances": opts.instances,
        "serving_s": round(child.serving_seconds, 1), "ready_s": round(ready, 1),
        "ready_cpu_s": round(ready_cpu, 1), "load1": round(os.getloadavg()[0], 1),
        "rss_mib": round(rss_now), "peak_rss_mib": round(rss_peak),
        "truth_mib": round(truth_mib, 1),
        "servers_detail_all_s": round(servers_s, 2), "servers": len(servers),
        "ports_all_s": round(ports_s, 2), "ports": len(ports),
        "api_requests_per_s": round(rate), "ssh_commands_per_s": round(ssh) if ssh else None,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--driver", default="ovs", choices=("ovs", "lxb", "vpp"))
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--instances", type=int, default=20000)
    parser.add_argument("--networks", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--ssh", action="store_true")
    asyncio.run(main(parser.parse_args()))
