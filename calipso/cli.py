"""The ``calipso`` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import uvloop

from calipso import __version__
from calipso.errors import CalipsoError, ConfigError, MetadataError
from calipso.log import configure_logging
from calipso.settings import Settings, load_settings
from calipso.terminal import report_error


async def _cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from calipso.service import serve

    await serve(settings, demo=args.demo)
    return 0


async def _cmd_db_init(settings: Settings, args: argparse.Namespace) -> int:
    from calipso.db import open_database
    from calipso.seed import load_seed

    async with open_database(settings, command="db init", seed=False) as database:
        report = await load_seed(database.db, config_dir=settings.config_dir, force=args.force)
    print(report)
    return 0


async def _cmd_scan(settings: Settings, args: argparse.Namespace) -> int:
    from calipso.scan_cli import scan_command
    from calipso.scanners.lifecycle import ScanOptions

    only = next((k for k in ("inventory", "links", "cliques") if getattr(args, f"{k}_only")),
                None)
    options = ScanOptions(clear=args.clear, only=only, object_id=args.object_id)
    return await scan_command(settings, args.env_name, args.env_file, options)


async def _cmd_check_config(settings: Settings, args: argparse.Namespace) -> int:
    from calipso.config_paths import config_root
    from calipso.events.metadata import load_events
    from calipso.scanners.metadata_files import load_metadata
    from calipso.seed import default_seed_dir, read_seed

    problems: list[str] = []
    for check in (load_metadata(settings.config_dir),
                  asyncio.to_thread(load_events, settings.config_dir),
                  read_seed(default_seed_dir(settings.config_dir))):
        try:
            await check
        except MetadataError as err:
            problems.extend(err.problems)
    if problems:
        raise MetadataError(problems)
    print(f"calipso: metadata in {config_root(settings.config_dir)} is valid")
    return 0


async def _cmd_sim(settings: Settings, args: argparse.Namespace) -> int:
    from calipso.sim.cli import run_sim

    return await run_sim(args)


async def _cmd_monitoring_handle(settings: Settings, args: argparse.Namespace) -> int:
    from calipso.monitoring.handle_cli import handle_stdin

    return await handle_stdin(settings, args.env)


def _check_scan(args: argparse.Namespace) -> str | None:
    if args.env_name is None and args.env_file is None:
        return ("which environment? give the name of a configured one (calipso scan NAME), "
                "or --env-file FILE to register one and scan it")
    if args.env_name is not None and args.env_file is not None:
        return "give an environment name or --env-file, not both"
    return None


Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]
# Checks of the arguments argparse cannot express: a problem is a usage error (exit 2).
ArgumentCheck = Callable[[argparse.Namespace], str | None]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="calipso",
        description="Calipso: discovery and real-time visibility of OpenStack virtual networking."
        " Settings come from CALIPSO_* environment variables (see the README).",
    )
    parser.add_argument("--version", action="version", version=f"calipso {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the service (HTTP API and workers)")
    serve.add_argument("--demo", action="store_true",
                       help="also run a small simulated cloud, registered as 'demo' and scanned")
    serve.set_defaults(run=_cmd_serve)

    scan = sub.add_parser("scan", help="scan one environment now, in the foreground",
                          description="Exit status: 0 completed, 3 completed with errors "
                          "(see the summary), 1 failed, 2 bad arguments or settings.")
    scan.add_argument("env_name", nargs="?", help="a configured environment")
    scan.add_argument("--env-file", type=Path,
                      help="an environments_config JSON document (registered, then scanned)")
    scan.add_argument("--clear", action="store_true",
                      help="delete the environment's stored data first")
    scan.add_argument("--object-id", help="scan only this object and its subtree")
    only = scan.add_mutually_exclusive_group()
    only.add_argument("--inventory-only", action="store_true")
    only.add_argument("--links-only", action="store_true")
    only.add_argument("--cliques-only", action="store_true")
    scan.set_defaults(run=_cmd_scan, check=_check_scan, parser=scan)

    check = sub.add_parser("check-config",
                           help="validate the metadata files "
                           "(scanners, link finders, events, seed)")
    check.set_defaults(run=_cmd_check_config)

    from calipso.sim.cli import add_arguments as add_sim_arguments

    sim = sub.add_parser("sim", help="serve a simulated OpenStack cloud until SIGTERM",
                         description="Generate a cloud and serve its Keystone/Nova/Neutron "
                         "APIs, SSH hosts, MySQL rows and notifications.")
    add_sim_arguments(sim)
    sim.set_defaults(run=_cmd_sim)

    monitoring = sub.add_parser("monitoring", help="monitoring (Sensu) helpers")
    mon_sub = monitoring.add_subparsers(dest="monitoring_command", required=True,
                                        metavar="MONITORING_COMMAND")
    handle = mon_sub.add_parser("handle", help="apply one Sensu event read on stdin "
                                "(a Sensu pipe handler)")
    handle.add_argument("--env", help="the environment (default: the event's "
                        "client.environment)")
    handle.set_defaults(run=_cmd_monitoring_handle)

    from calipso.history.cli import add_arguments as add_history_arguments

    add_history_arguments(sub)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    init = db_sub.add_parser("init", help="load the seed data (constants, clique types, ...)")
    init.add_argument("--force", action="store_true",
                      help="replace seeded documents a user has edited")
    init.set_defaults(run=_cmd_db_init)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    check: ArgumentCheck | None = getattr(args, "check", None)
    if check is not None:
        problem = check(args)
        if problem is not None:
            args.parser.error(problem)  # usage and the problem on stderr, exit 2
    try:
        settings = load_settings()
    except ConfigError as err:
        return report_error(err)
    configure_logging(settings.log_level, settings.log_format)
    run: Command = args.run
    try:
        return uvloop.run(run(settings, args))
    except CalipsoError as err:
        return report_error(err)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
