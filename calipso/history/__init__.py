"""History read back: states at a past time, timelines, diffs, snapshots, impact and
exports (see README.md). Revisions are recorded by ``calipso.inventory``."""
