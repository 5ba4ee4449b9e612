"""``calipso diff ENV --since 2h``, ``calipso snapshot ENV NAME``, ``calipso export ENV``
and ``calipso import-graph ENV FILE``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from calipso.errors import ConfigError
from calipso.history.formats import FORMATS
from calipso.settings import Settings

# The commands import the database and history modules when they run, so that building
# the parser (every `calipso` start) stays quick.


def add_arguments(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    moment = "2h (ago; s, m, h, d, w), an ISO 8601 time, snapshot:NAME or scan:ID"
    parser = sub.add_parser("diff", help="what changed in an environment between two moments",
                            description=f"A moment is {moment}.")
    parser.add_argument("env_name", help="a configured environment")
    parser.add_argument("--since", required=True, help="the first moment")
    parser.add_argument("--until", default="now", help="the second moment (default: now)")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--clique", help="only this clique (its focal object id)")
    scope.add_argument("--object", help="only this object and its links")
    parser.add_argument("--json", action="store_true", help="print the diff as JSON")
    parser.set_defaults(run=_cmd_diff)

    snap = sub.add_parser("snapshot", help="name this moment of an environment "
                          "(calipso diff ENV --since snapshot:NAME)")
    snap.add_argument("env_name")
    snap.add_argument("name", help='e.g. "before maintenance"')
    snap.add_argument("--note", default="")
    snap.set_defaults(run=_cmd_snapshot)

    out = sub.add_parser("export", help="an environment, a clique or a neighbourhood as "
                         "JSON Graph, GraphML or DOT, on stdout")
    out.add_argument("env_name")
    out.add_argument("--format", choices=sorted(FORMATS), default="json")
    what = out.add_mutually_exclusive_group()
    what.add_argument("--clique", help="a clique (its focal object id)")
    what.add_argument("--object", help="an object's neighbourhood")
    out.add_argument("--depth", type=int, default=1, help="links from --object (1-10)")
    out.set_defaults(run=_cmd_export)

    load = sub.add_parser("import-graph", help="a JSON Graph export as a new environment "
                          "(for offline analysis)")
    load.add_argument("env_name", help="a name no environment has objects under")
    load.add_argument("file", type=Path, help="the export (calipso export ENV > FILE)")
    load.set_defaults(run=_cmd_import)


async def _cmd_diff(settings: Settings, args: argparse.Namespace) -> int:
    from calipso.db import open_database
    from calipso.history.diff import diff, summary_lines
    from calipso.history.moments import resolve

    async with open_database(settings, command="diff", seed=False) as database:
        db = database.db
        since = await resolve(db, args.env_name, args.since, "since")
        until = await resolve(db, args.env_name, args.until, "until")
        result = await diff(db, args.env_name, since, until, clique=args.clique,
                            object_id=args.object)
    if args.json:
        print(json.dumps(result, default=str, indent=1))
    else:
        print("\n".join(summary_lines(result)))
    return 0


async def _cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from calipso.db import open_database
    from calipso.history.export import (
        clique_graph,
        environment_graph,
        neighbourhood_graph,
        render,
    )

    async with open_database(settings, command="export", seed=False) as database:
        db = database.db
        if args.clique:
            graph = await clique_graph(db, args.env_name, args.clique)
        elif args.object:
            graph = await neighbourhood_graph(db, args.env_name, args.object, args.depth)
        else:
            graph = await environment_graph(db, args.env_name)
    sys.stdout.write(render(graph, args.format))
    return 0


async def _cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from calipso.db import open_database
    from calipso.history.export import import_json_graph

    try:
        data = json.loads(args.file.read_bytes())
    except (OSError, ValueError) as err:
        raise ConfigError(f"cannot read {args.file}: {err}") from None
    async with open_database(settings, command="import-graph", seed=False) as database:
        counts = await import_json_graph(database.db, args.env_name, data)
    print(f"imported {counts['objects']} objects and {counts['links']} links into "
          f"{args.env_name}")
    return 0


async def _cmd_snapshot(settings: Settings, args: argparse.Namespace) -> int:
    from calipso.db import open_database
    from calipso.history.moments import take_snapshot

    async with open_database(settings, command="snapshot", seed=False) as database:
        doc = await take_snapshot(database.db, args.env_name, args.name, args.note)
    print(f"snapshot {doc['name']!r} of {doc['environment']} at {doc['at'].isoformat()}")
    return 0
