"""What the ``calipso`` command shows people: one-line errors with their exit status, and
the rich consoles for progress (stderr) and tables (stdout)."""

from __future__ import annotations

import sys

from rich.console import Console

from calipso.errors import CalipsoError, ConfigError, MetadataError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


def report_error(err: CalipsoError) -> int:
    """Print ``err`` as ``calipso: ...`` lines on stderr; its exit status (2: usage/settings)."""
    lines = err.problems if isinstance(err, MetadataError) else [str(err)]
    for line in lines:
        print(f"calipso: {line}", file=sys.stderr, flush=True)
    return EXIT_USAGE if isinstance(err, ConfigError | MetadataError) else EXIT_FAILED


def out_console() -> Console:
    """Tables on stdout; plain text (no colour, no wrapping of long lines) when piped."""
    return Console(highlight=False, soft_wrap=not sys.stdout.isatty())


def err_console() -> Console:
    return Console(stderr=True, highlight=False)
