"""``calipso monitoring handle``: one Sensu event on stdin, as a Sensu pipe handler gives
it (the original's way of being called). Exit 0 when applied or kept as a message, 2 when
the input is no check result (recorded too)."""

from __future__ import annotations

import asyncio
import json
import sys

from calipso.errors import UsageError
from calipso.monitoring.intake import ResultIntake
from calipso.monitoring.results import BadResult, parse_result
from calipso.settings import Settings

MAX_EVENT = 4 * 1024 * 1024  # bytes read from stdin


async def handle_stdin(settings: Settings, env: str | None) -> int:
    from calipso.db import open_database

    raw = await asyncio.to_thread(sys.stdin.buffer.read, MAX_EVENT)
    async with open_database(settings, command="monitoring handle") as database:
        intake = ResultIntake(database.db)
        try:
            data = json.loads(raw)
            result = parse_result(data)
        except (ValueError, UnicodeDecodeError, BadResult) as err:
            reason = str(err) if isinstance(err, BadResult) else "stdin: not valid JSON"
            await intake.reject(env, "stdin", reason, raw)
            print(f"calipso: {reason}", file=sys.stderr)
            return 2
        env = env or result.environment
        if not env:
            await intake.reject(None, "stdin", "no environment: give --env or "
                                "client.environment", raw)
            raise UsageError("which environment? give --env NAME (or client.environment "
                             "in the event)")
        report = await intake.submit(env, [result])
        await intake.close()
    print(json.dumps(report.to_doc()))
    return 0
