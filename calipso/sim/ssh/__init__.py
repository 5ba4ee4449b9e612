"""The simulator's SSH channel: asyncssh servers answering the CLI fetchers' commands.

`open_ssh_channel(cloud, ...)` starts one server per simulated host (own loopback address,
one shared port) with the first controller as the master (jump) host. Output comes from
pure renderers (`render_*`) of the cloud's per-host wiring; `shell.Shell` interprets the
command lines; `commands.HostTools` holds the tools each host has. See README.md.
"""

from calipso.sim.ssh.channel import SshChannel, open_ssh_channel
from calipso.sim.ssh.faults import CommandFault, Faults
from calipso.sim.ssh.shell import Result

__all__ = ["CommandFault", "Faults", "Result", "SshChannel", "open_ssh_channel"]
