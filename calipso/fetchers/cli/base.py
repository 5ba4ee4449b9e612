"""The CLI source's access class: fetchers that read hosts' shells subclass ``CliAccess``.

``CliAccess`` holds only its edge method, ``run``: one command on one host through the
scan's SSH pool (``ScanContext.ssh``), which adds sudo, bounds concurrency, applies the
timeout and raises ``SshError`` (a non-zero exit, an unreachable host) or ``FetchTimeout``.
Parsing lives in ``calipso.fetchers.cli.parse``; turning records into inventory documents
lives in each fetcher module's pure ``shape_*`` functions.
"""

from __future__ import annotations

from calipso.errors import SshError
from calipso.fetchers.base import Fetcher


class CliAccess(Fetcher):
    async def run(self, host: str, command: str) -> str:
        """``command``'s stdout on ``host``."""
        ssh = self.ctx.ssh
        if ssh is None:
            raise SshError(host, command, "the environment has no CLI section")
        return await ssh.run(host, command)
