"""``calipso scan``: one scan in the foreground, with a progress bar and a summary (objects
apart from the tree's folders, errors grouped per host)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from calipso.db import open_database
from calipso.env_config import EnvironmentConfig, parse_environment
from calipso.env_support import check_environment_file
from calipso.errors import ConfigError, UsageError
from calipso.scanners.context import ScanContext
from calipso.scanners.lifecycle import ScanOptions, ScanRequests, ScanStatus
from calipso.scanners.metadata_files import load_metadata
from calipso.scanners.runner import ScanAborted, run_claimed
from calipso.scanners.scan import ScanResult, progress_doc
from calipso.scanners.worker import load_environment
from calipso.settings import Settings
from calipso.terminal import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PARTIAL,
    err_console,
    out_console,
    report_error,
)

log = logging.getLogger(__name__)


def read_env_file(path: Path) -> EnvironmentConfig:
    try:
        data = json.loads(path.read_text())
    except OSError as err:
        raise ConfigError(f"--env-file {path}: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"--env-file {path}: line {err.lineno}: {err.msg}") from None
    return parse_environment(data, f"--env-file {path}")


class ScanProgress:
    """The scan's progress on stderr: a live rich bar on a terminal (log lines print above
    it, never into it), a plain line every 5 s elsewhere."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = time.monotonic()
        self._last = 0.0
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._log_streams: list[tuple[logging.StreamHandler, Any]] = []

    def __enter__(self) -> ScanProgress:
        if self.console.is_terminal:
            self._bar = Progress(
                SpinnerColumn(), TextColumn("{task.description:<9}"), BarColumn(),
                MofNCompleteColumn(), TextColumn("hosts  objects {task.fields[objects]:>7}  "
                                                 "errors {task.fields[errors]:>4}"),
                TimeElapsedColumn(), console=self.console)
            self._task = self._bar.add_task("starting", total=None, objects=0, errors=0)
            self._bar.start()
            # Live swapped sys.stderr for a proxy that prints above the bar: logs go there.
            for handler in logging.getLogger().handlers:
                if isinstance(handler, logging.StreamHandler) and handler.stream is (
                        sys.__stderr__):
                    self._log_streams.append((handler, handler.setStream(sys.stderr)))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            for handler, stream in self._log_streams:
                handler.setStream(stream)

    def __call__(self, ctx: ScanContext) -> None:
        p = progress_doc(ctx)
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, description=p["phase"], completed=p["hosts_done"],
                             total=p["hosts_total"] or None, objects=p["objects"],
                             errors=p["errors"])
            return
        elapsed = time.monotonic() - self.started
        if elapsed - self._last >= 5 or p["phase"] == "done":
            self._last = elapsed
            hosts = f"{p['hosts_done']}/{p['hosts_total']}" if p["hosts_total"] else "-"
            self.console.print(f"{p['phase']:<9} hosts {hosts:>9}  objects {p['objects']:>7}  "
                               f"errors {p['errors']:>4}  {elapsed:6.1f}s", markup=False)


FOLDER_SUFFIX = "_folder"
MAX_ERROR_LINES = 20


def _count_table(title: str, counts: dict[str, int]) -> Table:
    table = Table(title=title, title_justify="left", box=None, show_footer=True,
                  pad_edge=False)
    table.add_column("type", footer="total", no_wrap=True)
    table.add_column("count", footer=str(sum(counts.values())), justify="right")
    for kind, n in sorted(counts.items()):
        table.add_row(kind, str(n))
    return table


def grouped_errors(errors: list[dict[str, str]]) -> list[str]:
    """One line per (source, host or target, error): a dead host is one line with the count
    of the commands it failed, not one line per command."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for e in errors:
        where, _, what = (e["target"].partition(": ") if e["source"] == "ssh"
                          else (e["target"], "", ""))
        groups.setdefault((e["source"], where, e["error"]), []).append(what)
    lines = []
    for (source, where, error), whats in groups.items():
        head = " ".join(part for part in (source, where) if part)
        if len(whats) > 1:
            lines.append(f"{head}: {error} ({len(whats)} {'commands' if whats[0] else 'times'})")
        else:
            lines.append(f"{head}{': ' + whats[0] if whats[0] else ''}: {error}")
    return lines


def print_summary(console: Console, result: ScanResult, env: str) -> None:
    console.print(f"Scan of {env}: {result.status} in {result.duration_s:.1f}s "
                  f"(database writes {result.db_write_s:.1f}s)", markup=False)
    objects = {t: n for t, n in result.counts.items() if not t.endswith(FOLDER_SUFFIX)}
    folders = {t: n for t, n in result.counts.items() if t.endswith(FOLDER_SUFFIX)}
    console.print()
    console.print(_count_table("objects", objects))
    if folders:
        console.print()
        console.print(_count_table("folders (tree groupings)", folders))
    console.print()
    console.print(f"links {result.links}, cliques {result.cliques}, "
                  f"removed {result.removed}, marked stale {result.stale}", markup=False)
    for note in result.notes:
        console.print(f"\nnote: {note}", markup=False)
    if result.unrecognised:
        console.print("\nnot recognised (check these hosts' roles, agents and bridges):",
                      markup=False)
        for line in result.unrecognised[:MAX_ERROR_LINES]:
            console.print(f"  {line}", markup=False)
    if result.failed_hosts:
        console.print(f"\nhosts that could not be read: {', '.join(result.failed_hosts)}",
                      markup=False)
    if result.errors:
        lines = grouped_errors(result.errors)
        console.print(f"\n{len(result.errors)} errors, {len(lines)} distinct:", markup=False)
        for line in lines[:MAX_ERROR_LINES]:
            console.print(f"  {line}", markup=False)
        if len(lines) > MAX_ERROR_LINES:
            console.print(f"  ... and {len(lines) - MAX_ERROR_LINES} more (GET /messages)",
                          markup=False)


async def known_environment(db: AsyncDatabase, name: str) -> None:
    """A name that is not configured is a usage error naming the ones that are."""
    names = sorted(await db.environments_config.distinct("name"))
    if name not in names:
        known = ", ".join(names) if names else "none yet"
        raise UsageError(f"scan: no environment {name!r} (configured: {known}); "
                         "--env-file FILE registers one")


@contextlib.contextmanager
def interrupt_on_signals() -> Iterator[list[signal.Signals]]:
    """SIGTERM / SIGINT cancel the command (the scan is recorded as failed); yields the
    signals received."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    received: list[signal.Signals] = []

    def on_signal(sig: signal.Signals) -> None:
        log.warning("scan interrupted by a signal: it is recorded as failed",
                    extra={"signal": sig.name})
        received.append(sig)
        if task is not None:
            task.cancel(f"interrupted by {sig.name}")

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        yield received
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def scan_command(settings: Settings, env_name: str | None, env_file: Path | None,
                       options: ScanOptions) -> int:
    with interrupt_on_signals() as received:
        try:
            return await _scan(settings, env_name, env_file, options)
        except asyncio.CancelledError:
            if not received:
                raise
            asyncio.current_task().uncancel()  # type: ignore[union-attr]
            return 128 + received[0]


async def _scan(settings: Settings, env_name: str | None, env_file: Path | None,
                options: ScanOptions) -> int:
    file_env = read_env_file(env_file) if env_file is not None else None  # before any start
    metadata = await load_metadata(settings.config_dir)
    async with open_database(settings, command="scan") as database:
        db = database.db
        if file_env is not None:
            env = file_env
            for warning in await check_environment_file(db, env, f"--env-file {env_file}"):
                print(f"warning: {warning}", file=sys.stderr, flush=True)
            await db.environments_config.update_one(
                {"name": env.name}, {"$set": env.to_doc(reveal=True)}, upsert=True)
        else:
            assert env_name is not None
            try:
                await known_environment(db, env_name)
            except UsageError as err:
                return report_error(err)  # at once, before the database stops
            env = await load_environment(db, env_name)
        requests = ScanRequests(db, settings.scan_lease, settings.scan_max_attempts)
        # EnvironmentBusy (exit 1) when a worker or another `calipso scan` runs one
        scan = await db.scans.find_one({"_id": await requests.start(
            env.name, options, origin="cli")})
        assert scan is not None
        try:
            with ScanProgress(err_console()) as progress:
                result = await run_claimed(requests, scan, env, db=db, settings=settings,
                                           metadata=metadata, progress=progress,
                                           on_interrupt="fail")
        except ScanAborted:
            out_console().print(f"Scan of {env.name}: cancelled through the API")
            return EXIT_FAILED
    print_summary(out_console(), result, env.name)
    if result.status == ScanStatus.COMPLETED:
        return EXIT_OK
    return EXIT_FAILED if result.status == ScanStatus.FAILED else EXIT_PARTIAL
