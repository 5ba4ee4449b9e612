"""Host keys of the simulated hosts: one ed25519 key per host.

Without a directory the keys are fresh for every run (1,000 keys take about 30 ms). With
`key_dir`, a host's key is read from `<key_dir>/<host>.key` when present and written there
otherwise, so a restarted simulator shows the same keys to a Calipso that pinned them.
Blocking (file I/O): call it through `asyncio.to_thread`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import asyncssh


def load_host_keys(hosts: Iterable[str], key_dir: Path | None = None
                   ) -> dict[str, asyncssh.SSHKey]:
    keys: dict[str, asyncssh.SSHKey] = {}
    if key_dir is not None:
        key_dir.mkdir(parents=True, exist_ok=True)
    for host in hosts:
        path = key_dir / f"{host}.key" if key_dir is not None else None
        if path is not None and path.is_file():
            keys[host] = asyncssh.read_private_key(path)
            continue
        key = asyncssh.generate_private_key("ssh-ed25519", comment=f"root@{host}")
        if path is not None:
            key.write_private_key(path)
            path.chmod(0o600)
        keys[host] = key
    return keys


def parse_authorized_keys(keys: str | Iterable[str | asyncssh.SSHKey] | None) -> set[bytes]:
    """Public key blobs from an authorized_keys text or a list of keys (OpenSSH public key
    lines or `SSHKey` objects, private ones included: their public half is used)."""
    if keys is None:
        return set()
    items = keys.splitlines() if isinstance(keys, str) else list(keys)
    blobs: set[bytes] = set()
    for item in items:
        if isinstance(item, str):
            line = item.strip()
            if not line or line.startswith("#"):
                continue
            blobs.add(asyncssh.import_public_key(line).public_data)
        else:
            blobs.add(item.public_data)
    return blobs
