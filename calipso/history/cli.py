"""``calipso diff ENV --since 2h`` and ``calipso snapshot ENV NAME``."""

from __future__ import annotations

import argparse
import json

from calipso.db import open_database
from calipso.history.diff import diff, summary_lines
from calipso.history.moments import resolve, take_snapshot
from calipso.settings import Settings


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


async def _cmd_diff(settings: Settings, args: argparse.Namespace) -> int:
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


async def _cmd_snapshot(settings: Settings, args: argparse.Namespace) -> int:
    async with open_database(settings, command="snapshot", seed=False) as database:
        doc = await take_snapshot(database.db, args.env_name, args.name, args.note)
    print(f"snapshot {doc['name']!r} of {doc['environment']} at {doc['at'].isoformat()}")
    return 0
