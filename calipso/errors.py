"""The one exception hierarchy of Calipso.

Library exceptions (asyncssh, aiohttp, aiomysql, pymongo) are translated into these at
the edge with ``raise ... from err``; nothing above the access classes imports them.
"""

from __future__ import annotations


class CalipsoError(Exception):
    """Root of every error Calipso raises on purpose."""


class ConfigError(CalipsoError):
    """A deployment setting or start-up condition is wrong; the message is one line."""


class UsageError(ConfigError):
    """The command line asks for something that does not exist; the message says what does."""


class MetadataError(CalipsoError):
    """One or more metadata files (config/*.json) are invalid; one problem per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class DatabaseUnavailable(CalipsoError):
    """MongoDB (embedded or remote) cannot be reached."""


class FetchError(CalipsoError):
    """A data source (API, MySQL, SSH) failed to give what a fetcher asked for."""

    def __init__(self, source: str, target: str, detail: str) -> None:
        self.source = source
        self.target = target
        self.detail = detail
        super().__init__(f"{source} {target}: {detail}")


class SshError(FetchError):
    def __init__(
        self, host: str, command: str, detail: str, exit_status: int | None = None,
        stderr_tail: str = "",
    ) -> None:
        self.host = host
        self.command = command
        self.exit_status = exit_status
        self.stderr_tail = stderr_tail
        super().__init__("ssh", f"{host}: {command}", detail)


class OutputError(FetchError):
    """A command answered, but its output is not what its parser understands."""

    def __init__(self, host: str, command: str, detail: str) -> None:
        self.host = host
        self.command = command
        super().__init__("ssh", f"{host}: {command}", f"unreadable output: {detail}")


class ApiError(FetchError):
    def __init__(self, method: str, url: str, status: int | None, detail: str = "") -> None:
        self.method = method
        self.url = url
        self.status = status
        super().__init__("api", f"{method} {url}", detail or f"HTTP {status}")


class DbError(FetchError):
    def __init__(self, query: str, detail: str) -> None:
        self.query = query
        super().__init__("mysql", query, detail)


class FetchTimeout(FetchError, TimeoutError):
    """A fetch exceeded its per-command or per-call timeout."""


class ParseError(CalipsoError):
    """Command or API output that a parser does not understand."""

    def __init__(self, parser: str, line: str, reason: str) -> None:
        self.parser = parser
        self.line = line
        self.reason = reason
        super().__init__(f"{parser}: {reason}: {line!r}")


class ApiRequestError(CalipsoError):
    """Base of errors the HTTP API maps to a status code."""

    status = 500
    title = "Internal Server Error"

    def __init__(self, message: str, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(message)


class InvalidInput(ApiRequestError):
    status = 400
    title = "Bad Request"


class Unauthorized(ApiRequestError):
    status = 401
    title = "Unauthorized"


class Forbidden(ApiRequestError):
    status = 403
    title = "Forbidden"


class NotFound(ApiRequestError):
    status = 404
    title = "Not Found"


class Conflict(ApiRequestError):
    status = 409
    title = "Conflict"


class Unavailable(ApiRequestError):
    status = 503
    title = "Service Unavailable"
