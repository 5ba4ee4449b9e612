"""The simulated hosts' files over SFTP (what a Sensu deployment writes).

Each host's SFTP session is rooted in a directory of its own under the channel's
`files_root` (a temporary directory), so `/etc/sensu/conf.d/client.json` on one host is
`<root>/<host>/etc/sensu/conf.d/client.json` here. Every file opened for writing is
counted per host in `SshChannel.files_written`; `systemctl restart <unit>` is counted in
`SshChannel.restarts`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import asyncssh


class HostFiles(asyncssh.SFTPServer):
    def __init__(self, root: Path, written: Counter[str], host: str,
                 chan: asyncssh.SSHServerChannel[Any]) -> None:
        home = root / host
        home.mkdir(parents=True, exist_ok=True)
        super().__init__(chan, chroot=str(home).encode())
        self._written = written
        self._host = host

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        if pflags & asyncssh.FXF_WRITE:
            self._written[self._host] += 1
        return super().open(path, pflags, attrs)
