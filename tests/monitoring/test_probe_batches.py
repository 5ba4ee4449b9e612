"""A host's probes go in command lines short enough for one SSH exec request, and each
probe gets back its own output."""

from __future__ import annotations

from calipso.monitoring.own_checks import MAX_COMMAND, batch_command, batches, split_output
from calipso.monitoring.probes import Probe


def test_thousands_of_probes_split_into_short_command_lines() -> None:
    probes = [Probe(f"instance_{i}", "ping",
                    (f"ip netns exec qdhcp-{i:036d} ping -c 1 -W 1 10.0.{i // 250}.{i % 250}",),
                    instance=str(i)) for i in range(3000)]
    parts = batches(probes, sudo=True)
    assert len(parts) > 1 and [p for part in parts for p in part] == probes
    assert all(len(batch_command(part, True)) <= MAX_COMMAND for part in parts)
    assert batches([], sudo=False) == [[]]  # the host is still asked (reachability)


def test_each_probe_reads_its_own_output() -> None:
    probes = [Probe("a", "process", ("pgrep -x vpp",)),
              Probe("b", "vedge_ovs", ("one", "two"))]
    text = "\n".join(["@@calipso-check:0:0", "123", "@@calipso-check:1:0",
                      "x", "y", "@@calipso-check:1:1", "@@calipso-check:end"])
    assert split_output(text, probes) == [["123"], ["x\ny", ""]]
