"""``calipso scan``: one scan in the foreground, with a live progress line and a summary."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TextIO

from calipso.db import open_database
from calipso.env_config import EnvironmentConfig, parse_environment
from calipso.env_support import check_environment_file
from calipso.errors import ConfigError
from calipso.scanners.context import ScanContext
from calipso.scanners.lifecycle import ScanOptions, ScanRequests, ScanStatus
from calipso.scanners.metadata_files import load_metadata
from calipso.scanners.runner import ScanAborted, run_claimed
from calipso.scanners.scan import ScanResult, progress_doc
from calipso.scanners.worker import load_environment
from calipso.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_PARTIAL = 0, 1, 3


def read_env_file(path: Path) -> EnvironmentConfig:
    try:
        data = json.loads(path.read_text())
    except OSError as err:
        raise ConfigError(f"--env-file {path}: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"--env-file {path}: line {err.lineno}: {err.msg}") from None
    return parse_environment(data, f"--env-file {path}")


class ProgressLine:
    """A one-line progress display on a terminal; a line every 5 s elsewhere."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self.started = time.monotonic()
        self._last = 0.0

    def __call__(self, ctx: ScanContext) -> None:
        p = progress_doc(ctx)
        elapsed = time.monotonic() - self.started
        hosts = f"{p['hosts_done']}/{p['hosts_total']}" if p["hosts_total"] else "-"
        line = (f"{p['phase']:<9} hosts {hosts:>9}  objects {p['objects']:>7}  "
                f"errors {p['errors']:>4}  {elapsed:6.1f}s")
        if self.tty:
            width = 30
            frac = p["hosts_done"] / p["hosts_total"] if p["hosts_total"] else 0.0
            bar = "#" * int(width * frac) + "." * (width - int(width * frac))
            self.out.write(f"\r[{bar}] {line}")
            self.out.flush()
        elif elapsed - self._last >= 5 or p["phase"] == "done":
            self._last = elapsed
            print(line, file=self.out, flush=True)

    def close(self) -> None:
        if self.tty:
            self.out.write("\n")


def summary(result: ScanResult, env: str) -> str:
    rows = [f"Scan of {env}: {result.status} in {result.duration_s:.1f}s "
            f"(database writes {result.db_write_s:.1f}s)", "", f"{'object type':<28}{'count':>8}"]
    rows += [f"{t:<28}{n:>8}" for t, n in result.counts.items()]
    rows += [f"{'total':<28}{sum(result.counts.values()):>8}", "",
             f"links {result.links}, cliques {result.cliques}, "
             f"removed {result.removed}, marked stale {result.stale}"]
    if result.failed_hosts:
        rows += ["", f"hosts that could not be read: {', '.join(result.failed_hosts)}"]
    if result.errors:
        rows += ["", f"{len(result.errors)} errors:"]
        rows += [f"  {e['source']} {e['target']}: {e['error']}" for e in result.errors[:20]]
        if len(result.errors) > 20:
            rows.append(f"  ... and {len(result.errors) - 20} more (GET /messages)")
    return "\n".join(rows)


async def scan_command(settings: Settings, env_name: str | None, env_file: Path | None,
                       options: ScanOptions) -> int:
    metadata = await load_metadata(settings.config_dir)
    async with open_database(settings) as database:
        db = database.db
        if env_file is not None:
            env = read_env_file(env_file)
            for warning in await check_environment_file(db, env, f"--env-file {env_file}"):
                print(f"warning: {warning}", file=sys.stderr)
            await db.environments_config.update_one(
                {"name": env.name}, {"$set": env.to_doc(reveal=True)}, upsert=True)
        else:
            assert env_name is not None
            env = await load_environment(db, env_name)
        requests = ScanRequests(db, settings.scan_lease, settings.scan_max_attempts)
        # EnvironmentBusy (exit 1) when a worker or another `calipso scan` runs one
        scan = await db.scans.find_one({"_id": await requests.start(
            env.name, options, origin="cli")})
        assert scan is not None
        progress = ProgressLine(sys.stderr)
        try:
            result = await run_claimed(requests, scan, env, db=db, settings=settings,
                                       metadata=metadata, progress=progress,
                                       on_interrupt="fail")
        except ScanAborted:
            print(f"Scan of {env.name}: cancelled through the API")
            return EXIT_FAILED
        finally:
            progress.close()
    print(summary(result, env.name))
    if result.status == ScanStatus.COMPLETED:
        return EXIT_OK
    return EXIT_FAILED if result.status == ScanStatus.FAILED else EXIT_PARTIAL
