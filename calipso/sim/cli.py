"""`calipso sim`: generate a cloud and serve it on every channel until SIGTERM.

`add_arguments(parser)` declares the flags (kept import-light: `calipso --help` loads this);
`run_sim(args)` runs it. The environment document is written once every channel serves;
the truth file is written in the background right after (a reader waits for both).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from calipso.sim.server import SimCloud

TOPOLOGY_FLAGS = ("hosts", "instances", "networks", "driver", "type_driver", "firewall", "seed",
                  "keystone_versions", "endpoints", "short_host_names", "ovs_datapath",
                  "regions")
DEFAULTS: dict[str, Any] = {"hosts": 2, "instances": 2, "networks": 1, "driver": "ovs",
                            "firewall": "hybrid", "seed": 0}  # type driver: vxlan, ovn geneve


def add_arguments(parser: argparse.ArgumentParser) -> None:
    topo = parser.add_argument_group("topology (or --spec FILE)")
    topo.add_argument("--spec", type=Path, help="a topology spec, YAML or JSON")
    topo.add_argument("--hosts", type=int, help="hosts: 1 controller+network, N-1 computes")
    topo.add_argument("--instances", type=int)
    topo.add_argument("--networks", type=int, help="tenant networks")
    topo.add_argument("--driver", choices=("ovs", "lxb", "vpp", "ovn"))
    topo.add_argument("--type-driver", choices=("vxlan", "vlan", "geneve"))
    topo.add_argument("--firewall", choices=("hybrid", "openvswitch", "noop"))
    topo.add_argument("--ovs-datapath", choices=("system", "netdev"),
                      help="the kernel datapath (default) or the userspace one")
    topo.add_argument("--seed", type=int)
    topo.add_argument("--keystone-versions", help="comma-separated: v3,v2.0 (default both)")
    topo.add_argument("--regions", help="comma-separated region names (default RegionOne)")
    topo.add_argument("--endpoints", choices=("ports", "paths"),
                      help="each API on its own port (default), or all on one under paths")
    topo.add_argument("--short-host-names", action="store_true", default=None,
                      help="Nova and Neutron name hosts node-1, the hosts node-1.cloud.local")
    chan = parser.add_argument_group("channels")
    chan.add_argument("--env-name", default="sim", help="the environment's name (default sim)")
    chan.add_argument("--mysql-uri", help="mysql://user[:pwd]@host[:port]: also serve DB rows")
    chan.add_argument("--amqp-uri", help="amqp://user:pwd@host:port/vhost: publish notifications")
    chan.add_argument("--no-ssh", action="store_true", help="do not serve the SSH hosts")
    chan.add_argument("--ssh-auth", choices=("password", "key"), default="password")
    chan.add_argument("--keystone-port", type=int, default=0, help="default: a free port")
    chan.add_argument("--token-ttl", type=float, default=3600.0, help="token lifetime, seconds")
    faults = parser.add_argument_group("latency and faults")
    faults.add_argument("--latency-api", type=float, default=0.0, metavar="MS")
    faults.add_argument("--latency-ssh", type=float, default=0.0, metavar="MS")
    faults.add_argument("--latency-db", type=float, default=0.0, metavar="MS")
    faults.add_argument("--api-error-rate", type=float, default=0.0, metavar="RATE",
                        help="share of API calls answered 500 (0..1)")
    faults.add_argument("--dead-hosts", type=int, default=0, help="hosts that refuse SSH")
    out = parser.add_argument_group("output")
    out.add_argument("--write-env", type=Path, metavar="ENV.json",
                     help="the environments_config document for Calipso")
    out.add_argument("--write-truth", type=Path, metavar="TRUTH.json",
                     help="what a correct scan finds; rewritten after every change")


def build_spec(args: argparse.Namespace) -> Any:
    from calipso.errors import ConfigError
    from calipso.sim.spec import TopologySpec, load_spec

    given = {k: getattr(args, k) for k in TOPOLOGY_FLAGS if getattr(args, k) is not None}
    for listed in ("keystone_versions", "regions"):
        if listed in given:
            given[listed] = [v.strip() for v in given[listed].split(",")]
    if args.spec is not None:
        if given:
            raise ConfigError(f"sim: give --spec or topology flags ({', '.join(given)}), "
                              "not both")
        return load_spec(args.spec)
    try:
        return TopologySpec.model_validate({**DEFAULTS, **given})
    except ValueError as err:
        raise ConfigError(f"sim: {err}".replace("\n", "; ")) from err


async def run_sim(args: argparse.Namespace) -> int:
    from calipso.sim.api import ApiOptions
    from calipso.sim.server import SimCloud

    spec = build_spec(args)
    options = ApiOptions(keystone_port=args.keystone_port, token_ttl=args.token_ttl,
                         latency_ms=args.latency_api, error_rate=args.api_error_rate,
                         fault_seed=spec.seed)
    sim = SimCloud(spec, env_name=args.env_name, mysql_uri=args.mysql_uri,
                   amqp_uri=args.amqp_uri, ssh=not args.no_ssh, ssh_auth=args.ssh_auth,
                   ssh_latency_ms=args.latency_ssh, db_latency_ms=args.latency_db,
                   dead_hosts=args.dead_hosts, api_options=options,
                   truth_path=args.write_truth)
    async with sim:
        assert sim.api is not None

        def ready() -> None:
            urls = ", ".join(f"{k} {v}" for k, v in sim.api.urls.items())  # type: ignore[union-attr]
            print(f"calipso sim {args.env_name}: {len(sim.cloud.hosts)} hosts, "
                  f"{len(sim.cloud.instances)} instances, generated in "
                  f"{sim.generate_seconds:.1f}s; {urls}", flush=True)

        await serve_until_signal(sim, args.write_env, ready)
    return 0


async def serve_until_signal(sim: SimCloud, env_path: Path | None,
                             on_ready: Callable[[], None] | None = None) -> None:
    """Write the environment document, then wait for SIGTERM or SIGINT; the caller's
    `async with` closes the channels."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        if env_path is not None:
            data = json.dumps(sim.env_config(), indent=2).encode()
            from calipso.sim.server import write_json_atomic

            await asyncio.to_thread(write_json_atomic, env_path, data, 0o600)  # has secrets
        if on_ready is not None:
            on_ready()
        await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
