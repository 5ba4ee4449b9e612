"""The layering of docs/engineering.md holds: each package imports only the packages below
it, and no package or module imports one that imports it back."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import calipso

ROOT = Path(calipso.__file__).parent
# Lowest first; a package may import only packages of a lower rank (and the base modules).
LAYERS = ("sources", "inventory", "fetchers", "links", "cliques", "scanners", "events",
          "monitoring", "history", "webhooks", "api", "ui")
# Top-level modules that compose the service: they may import any package, and no package
# may import them.
COMPOSITION = frozenset({"cli", "service", "scan_cli", "demo"})
# The simulator stands apart: it is the independent truth discovery is checked against.
SIM_MAY_IMPORT = frozenset({"errors", "settings", "config_paths", "env_config"})


def unit_of(path: Path) -> str:
    """The package (first directory under calipso/) or top-level module a file belongs to."""
    return path.relative_to(ROOT).parts[0].removesuffix(".py")


def imported_units(path: Path) -> set[str]:
    units: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "calipso":
                names = [f"calipso.{alias.name}" for alias in node.names]
        units.update(n.split(".")[1] for n in names
                     if n.startswith("calipso.") and n.count(".") >= 1)
    return {u for u in units if not u.startswith("__")}


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        unit = unit_of(path)
        graph[unit] |= imported_units(path) - {unit}
    return graph


def test_packages_import_only_lower_layers() -> None:
    rank = {name: i for i, name in enumerate(LAYERS)}
    wrong = [f"{unit} imports {other}"
             for unit, others in import_graph().items() if unit in rank
             for other in others if other in rank and rank[other] > rank[unit]]
    assert wrong == []


def test_nothing_imports_the_composition_modules() -> None:
    wrong = [f"{unit} imports {other}" for unit, others in import_graph().items()
             if unit not in COMPOSITION for other in others & COMPOSITION]
    assert wrong == []


def test_the_simulator_imports_only_shared_types() -> None:
    assert import_graph()["sim"] - SIM_MAY_IMPORT == set()


def test_fetchers_know_nothing_of_scans() -> None:
    graph = import_graph()
    assert "scanners" not in graph["fetchers"] and "scanners" not in graph["sources"]


def test_no_import_cycles() -> None:
    graph = import_graph()

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            unit = todo.pop()
            if unit == goal:
                return True
            if unit not in seen:
                seen.add(unit)
                todo.extend(graph.get(unit, ()))
        return False

    cycles = sorted(f"{a} <-> {b}" for a, others in graph.items() for b in others
                    if a < b and reaches(b, a))
    assert cycles == []
