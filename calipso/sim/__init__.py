"""A simulated OpenStack cloud: the ground truth Calipso's scans are checked against.

Phase 1 (this package's core): `TopologySpec` -> `generate` -> `Cloud` (records, indexes,
mutations, per-host wiring) -> `build_truth`. Channels (HTTP APIs, SSH hosts, MySQL,
notifications) serve a `Cloud`; they never import Calipso's discovery code, nor does this.
"""

from calipso.sim.checks import cloud_problems, truth_problems
from calipso.sim.cloud import Change, Cloud, HostAlloc
from calipso.sim.generate import generate
from calipso.sim.spec import TopologySpec, load_spec, spec_from_flags
from calipso.sim.truth import build_truth
from calipso.sim.wiring import HostWiring

__all__ = [
    "Change",
    "Cloud",
    "HostAlloc",
    "HostWiring",
    "TopologySpec",
    "build_truth",
    "cloud_problems",
    "generate",
    "load_spec",
    "spec_from_flags",
    "truth_problems",
]
