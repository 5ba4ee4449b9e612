"""Faults and latency of the SSH channel, changed at run time through `SshChannel`'s setters.

`Faults` is plain state owned by one channel: per-command latency, hosts that answer
slowly, hosts whose listener is closed or whose logins are refused, commands that fail
(matched by prefix, after a leading `sudo`), and the hosts whose `sudo` warns on stderr.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from calipso.sim.ssh.host_state import Breakage

RefuseMode = Literal["closed", "auth"]


@dataclass(frozen=True, slots=True)
class CommandFault:
    """Commands starting with `prefix` answer `stdout`/`stderr` and `exit_status`, on
    `hosts` (None: every host)."""

    prefix: str
    exit_status: int = 1
    stderr: str = ""
    stdout: str = ""
    hosts: frozenset[str] | None = None


@dataclass(slots=True)
class Faults:
    latency_ms: float = 0.0
    slow_hosts: dict[str, float] = field(default_factory=dict)  # host -> extra ms per command
    refused: dict[str, RefuseMode] = field(default_factory=dict)
    command_faults: list[CommandFault] = field(default_factory=list)
    sudo_warning_hosts: set[str] = field(default_factory=set)
    breakage: Breakage = field(default_factory=Breakage)  # NICs down, processes dead, ...

    def delay(self, host: str) -> float:
        """Seconds to wait before answering a command on `host`."""
        return (self.latency_ms + self.slow_hosts.get(host, 0.0)) / 1000.0

    def command_fault(self, host: str, command: str) -> CommandFault | None:
        text = command.strip()
        if text.startswith("sudo "):
            text = text[5:].lstrip()
        for fault in self.command_faults:
            if text.startswith(fault.prefix) and (fault.hosts is None or host in fault.hosts):
                return fault
        return None
