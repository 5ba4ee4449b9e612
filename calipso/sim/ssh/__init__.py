"""The simulator's SSH channel: what the simulated hosts answer to the CLI fetchers' commands.

Output comes from pure renderers (`render_*`) of the cloud's per-host wiring; `shell.Shell`
interprets the command lines; `commands.HostTools` holds the tools each host has.
"""
