"""The CLI source's access class: fetchers that read hosts' shells subclass ``CliAccess``.

``CliAccess`` holds only its edge methods: ``run``, one command on one host through the
context's SSH pool (``FetchContext.ssh``), which adds sudo, bounds concurrency, applies the
timeout and raises ``SshError`` (a non-zero exit, an unreachable host) or ``FetchTimeout``;
and ``read``, the same with the output parsed, where output the parser does not
understand raises ``OutputError`` naming the host and the command.
Parsing lives in ``calipso.fetchers.cli.parse``; turning records into inventory documents
lives in each fetcher module's pure ``shape_*`` functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from calipso.errors import OutputError, ParseError, SshError
from calipso.fetchers.base import Fetcher

T = TypeVar("T")


class CliAccess(Fetcher):
    async def run(self, host: str, command: str) -> str:
        """``command``'s stdout on ``host``."""
        ssh = self.ctx.ssh
        if ssh is None:
            raise SshError(host, command, "the environment has no CLI section")
        return await ssh.run(host, command)

    async def read(self, host: str, command: str, parse: Callable[[str], T]) -> T:
        """``command``'s stdout on ``host``, parsed by ``parse``."""
        return parsed(host, command, parse, await self.run(host, command))


def parsed(host: str, command: str, parse: Callable[[str], T], text: str) -> T:
    """``text``, the output of ``command`` on ``host``, parsed by ``parse``."""
    try:
        return parse(text)
    except ParseError as err:
        raise OutputError(host, command, str(err)) from None
