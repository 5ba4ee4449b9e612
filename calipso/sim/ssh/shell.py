"""A small POSIX-shell subset for the simulated hosts: what the CLI fetchers send.

Supported: `A && B`, `A || B`, `A ; B`, pipelines `A | B | C`, `$(...)` and backtick
substitution (also inside double quotes), quoting, leading `VAR=value` assignments (ignored),
redirections `2>&1`, `2>/dev/null`, `>/dev/null`, `&>/dev/null`, and `sudo [-n] [-E] CMD`.
Built-in filters read the previous stage's stdout: `grep [-v] [-i] [-E|-F] [-c] [-q] [-w]
[-e] PATTERN [FILE...]`, `head`/`tail [-n N|-N]`, `wc -l`, `sort [-u]`, `cat` (stdin or
files) and `echo`, `true`, `false`. Anything else goes to the host's tools (`Tools`);
an unknown word answers as bash does: `bash: X: command not found`, exit 127.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Result:
    stdout: str = ""
    stderr: str = ""
    exit_status: int = 0


# argv, stdin -> Result; None when the command does not exist on this host
Tools = Callable[[list[str], str], Result | None]
ReadFile = Callable[[str], str | None]

_REDIRECTS = {"2>&1": "merge", "2>/dev/null": "drop_err", ">/dev/null": "drop_out",
              "1>/dev/null": "drop_out", "&>/dev/null": "drop_all"}
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def not_found(word: str) -> Result:
    return Result("", f"bash: {word}: command not found\n", 127)


_QUOTING = re.compile(r"[\\'\"`$]")


def _scan(line: str, seps: tuple[str, ...]) -> list[tuple[str, str]]:
    """Split `line` at separators outside quotes and substitutions: [(part, sep after)]."""
    if not _QUOTING.search(line):  # nothing quoted: a plain split will do
        pieces = re.split("(" + "|".join(re.escape(s) for s in seps) + ")", line)
        pieces.append("")
        return list(zip(pieces[::2], pieces[1::2], strict=True))
    parts: list[tuple[str, str]] = []
    buf: list[str] = []
    quote = ""  # ' or " while inside quotes
    depth = 0  # nesting of $( ... )
    tick = False  # inside `...`
    pos = 0
    while pos < len(line):
        char = line[pos]
        if quote == "'":
            quote = "" if char == "'" else quote
        elif char == "\\" and pos + 1 < len(line):
            buf.append(line[pos:pos + 2])
            pos += 2
            continue
        elif line.startswith("$(", pos):
            depth += 1
            buf.append("$(")
            pos += 2
            continue
        elif char == ")" and depth:
            depth -= 1
        elif char == "`":
            tick = not tick
        elif char in "'\"" and not (depth or tick):
            quote = "" if quote == char else (quote or char)
        elif not (quote or depth or tick):
            sep = next((s for s in seps if line.startswith(s, pos)), None)
            if sep is not None:
                parts.append(("".join(buf), sep))
                buf = []
                pos += len(sep)
                continue
        buf.append(char)
        pos += 1
    parts.append(("".join(buf), ""))
    return parts


class Shell:
    """Runs command lines against one host's tools and files."""

    def __init__(self, tools: Tools, read_file: ReadFile, sudo_warning: str | None = None):
        self.tools = tools
        self.read_file = read_file
        self.sudo_warning = sudo_warning  # stderr line `sudo` prints on this host, if any

    def run(self, line: str) -> Result:
        try:
            return self._run_list(line)
        except ValueError as err:  # unbalanced quotes and the like
            return Result("", f"bash: syntax error: {err}\n", 2)

    def _run_list(self, line: str) -> Result:
        out, err = [], []
        status = 0
        skip = False
        for part, sep in _scan(line, ("&&", "||", ";")):
            if part.strip() and not skip:
                result = self._run_pipeline(part)
                out.append(result.stdout)
                err.append(result.stderr)
                status = result.exit_status
            skip = (sep == "&&" and status != 0) or (sep == "||" and status == 0)
        return Result("".join(out), "".join(err), status)

    def _substitute(self, text: str) -> str:
        """Replace `$(cmd)` and `` `cmd` `` with cmd's output (trailing newlines dropped)."""
        def inner(match: re.Match[str]) -> str:
            command = match.group(1) if match.group(1) is not None else match.group(2)
            return self._run_list(command).stdout.rstrip("\n")
        return re.sub(r"\$\(([^()]*)\)|`([^`]*)`", inner, text)

    def _run_pipeline(self, text: str) -> Result:
        stdin = ""
        errors: list[str] = []
        result = Result()
        for stage, _ in _scan(text, ("|",)):
            result = self._run_simple(self._substitute(stage), stdin)
            errors.append(result.stderr)
            stdin = result.stdout
        return Result(result.stdout, "".join(errors), result.exit_status)

    def _run_simple(self, text: str, stdin: str) -> Result:
        words = shlex.split(text)
        modes = {_REDIRECTS[w] for w in words if w in _REDIRECTS}
        argv = [w for w in words if w not in _REDIRECTS]
        while argv and _ASSIGN.match(argv[0]):
            argv.pop(0)
        if not argv:
            return Result()
        warning = ""
        if argv[0] == "sudo":
            argv = argv[1:]
            while argv and argv[0].startswith("-") and argv[0] in ("-n", "-E", "-H", "-S"):
                argv = argv[1:]
            warning = f"{self.sudo_warning}\n" if self.sudo_warning else ""
            if not argv:
                return Result("", "usage: sudo -h | -K | -k | -V\n", 1)
        result = self._dispatch(argv, stdin)
        if warning:
            result = Result(result.stdout, warning + result.stderr, result.exit_status)
        if "merge" in modes:
            result = Result(result.stdout + result.stderr, "", result.exit_status)
        if modes & {"drop_err", "drop_all"}:
            result = Result(result.stdout, "", result.exit_status)
        if modes & {"drop_out", "drop_all"}:
            result = Result("", result.stderr, result.exit_status)
        return result

    def _dispatch(self, argv: list[str], stdin: str) -> Result:
        builtin = _BUILTINS.get(argv[0])
        if builtin is not None:
            return builtin(self, argv, stdin)
        result = self.tools(argv, stdin)
        return not_found(argv[0]) if result is None else result

    # ---- built-ins and filters -------------------------------------------------------

    def _inputs(self, tool: str, files: list[str], stdin: str) -> tuple[str, str, int]:
        if not files:
            return stdin, "", 0
        texts, errors, status = [], [], 0
        for path in files:
            text = self.read_file(path)
            if text is None:
                errors.append(f"{tool}: {path}: No such file or directory\n")
                status = 1 if tool == "cat" else 2
            else:
                texts.append(text)
        return "".join(texts), "".join(errors), status

    def _cat(self, argv: list[str], stdin: str) -> Result:
        text, err, status = self._inputs("cat", argv[1:], stdin)
        return Result(text, err, status)

    def _echo(self, argv: list[str], stdin: str) -> Result:
        args = argv[1:]
        newline = "\n"
        if args[:1] == ["-n"]:
            args, newline = args[1:], ""
        return Result(" ".join(args) + newline)

    def _grep(self, argv: list[str], stdin: str) -> Result:
        flags: set[str] = set()
        pattern: str | None = None
        files: list[str] = []
        args = argv[1:]
        while args:
            arg = args.pop(0)
            if arg == "-e" and args:
                pattern = args.pop(0)
            elif arg.startswith("-") and len(arg) > 1 and pattern is None:
                flags.update(arg[1:])
            elif pattern is None:
                pattern = arg
            else:
                files.append(arg)
        if pattern is None:
            return Result("", "Usage: grep [OPTION]... PATTERNS [FILE]...\n", 2)
        text, err, status = self._inputs("grep", files, stdin)
        regex = _grep_regex(pattern, flags)
        hits = [line for line in text.splitlines() if bool(regex.search(line)) != ("v" in flags)]
        if "q" in flags:
            out = ""
        elif "c" in flags:
            out = f"{len(hits)}\n"
        else:
            out = "".join(line + "\n" for line in hits)
        return Result(out, err, status or (0 if hits else 1))

    def _head_tail(self, argv: list[str], stdin: str) -> Result:
        count = 10
        files = []
        args = argv[1:]
        while args:
            arg = args.pop(0)
            if arg == "-n" and args:
                count = int(args.pop(0))
            elif arg.startswith("-n"):
                count = int(arg[2:])
            elif arg[1:].isdigit() and arg.startswith("-"):
                count = int(arg[1:])
            else:
                files.append(arg)
        text, err, status = self._inputs(argv[0], files, stdin)
        lines = text.splitlines()
        chosen = lines[:count] if argv[0] == "head" else lines[-count:] if count else []
        return Result("".join(line + "\n" for line in chosen), err, status)

    def _wc(self, argv: list[str], stdin: str) -> Result:
        return Result(f"{len(stdin.splitlines())}\n")

    def _sort(self, argv: list[str], stdin: str) -> Result:
        lines = sorted(stdin.splitlines())
        if "-u" in argv:
            lines = sorted(set(lines))
        return Result("".join(line + "\n" for line in lines))


def _grep_regex(pattern: str, flags: set[str]) -> re.Pattern[str]:
    if "F" in flags:
        body = re.escape(pattern)
    elif "E" in flags:
        body = pattern
    else:  # basic regex: \| \( \) \+ \? are the operators, the bare ones are literal
        body = re.sub(r"\\([|()+?{}])|([|()+?{}])",
                      lambda m: m.group(1) if m.group(1) else "\\" + m.group(2), pattern)
    if "w" in flags:
        body = rf"\b(?:{body})\b"
    return re.compile(body, re.IGNORECASE if "i" in flags else 0)


_BUILTINS: dict[str, Callable[[Shell, list[str], str], Result]] = {
    "cat": Shell._cat,
    "echo": Shell._echo,
    "grep": Shell._grep,
    "head": Shell._head_tail,
    "tail": Shell._head_tail,
    "wc": Shell._wc,
    "sort": Shell._sort,
    "true": lambda shell, argv, stdin: Result(),
    "false": lambda shell, argv, stdin: Result("", "", 1),
}
