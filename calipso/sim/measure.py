"""Time and memory of generating a large cloud and its truth: `python -m calipso.sim.measure
[driver] [hosts] [instances] [networks]`. Speed belongs in benchmarks, not tests."""

from __future__ import annotations

import resource
import sys
import time

from calipso.sim.generate import generate
from calipso.sim.spec import spec_from_flags
from calipso.sim.truth import build_truth


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> None:
    driver = argv[0] if argv else "ovs"
    hosts, instances, networks = (int(a) for a in (argv[1:4] or ("1000", "20000", "200")))
    spec = spec_from_flags(hosts=hosts, instances=instances, networks=networks,
                           driver=driver, seed=1)  # type: ignore[arg-type]
    rss0 = _rss_mib()
    start = time.perf_counter()
    cloud = generate(spec)
    gen = time.perf_counter() - start
    rss1 = _rss_mib()
    start = time.perf_counter()
    for host in cloud.hosts:
        cloud.wiring(host)
    wiring = time.perf_counter() - start
    start = time.perf_counter()
    truth = build_truth(cloud, "env")
    took = time.perf_counter() - start
    print(f"{driver} {hosts} hosts {instances} instances: generate {gen:.2f}s "
          f"(+{rss1 - rss0:.0f} MiB RSS), wiring of every host {wiring:.2f}s, "
          f"truth {took:.2f}s ({len(truth['objects'])} objects, {len(truth['links'])} links, "
          f"{len(truth['cliques'])} cliques), max RSS {_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main(sys.argv[1:])
