"""``config/scanners.json``: loaded, validated and resolved once into an immutable tree.

Every problem of the file (bad JSON, unknown key, unknown scanner, a fetcher class that
does not exist or has no coroutine ``get``) is collected into one ``MetadataError`` with
one line per problem naming the place, e.g.
``config/scanners.json: ScanHost[4].fetcher: no CliFetchVconectorsOvs in calipso.fetchers.cli``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from calipso.errors import MetadataError
from calipso.fetchers.base import Fetcher
from calipso.json_file import read_json
from calipso.plugins import import_class, snake_case, validation_problems

CONDITION_KEYS = frozenset(
    {"mechanism_drivers", "type_drivers", "environment_type", "distribution",
     "distribution_version"}
)
SOURCE_PACKAGES = ("api", "cli", "db")


class FolderSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    folder: Literal[True]
    types_name: str
    parent_type: str
    text: str | None = None


class FetchTypeModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    type: str
    fetcher: str | FolderSpec
    children_scanner: str | None = None
    environment_condition: dict[str, Any] | list[dict[str, Any]] | None = None
    object_id_to_use_in_child: str = "id"
    comment: str | None = Field(None, alias="_comment")


class ScannersFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    scanners_package: str = "calipso.fetchers"
    scanners: dict[str, list[FetchTypeModel]]


@dataclass(frozen=True, slots=True)
class FetchType:
    """One resolved entry of a scanner."""

    type: str
    fetcher: type[Fetcher] | FolderSpec
    children_scanner: str | None
    conditions: tuple[dict[str, Any], ...]
    child_id_field: str
    where: str  # "ScanHost[4]", for messages


@dataclass(frozen=True, slots=True)
class ScannerTree:
    scanners: dict[str, tuple[FetchType, ...]]
    root: str = "ScanEnvironment"


def resolve_fetcher(package: str, class_name: str) -> type[Fetcher]:
    """``CliFetchHostPnics`` → ``<package>.cli.cli_fetch_host_pnics.CliFetchHostPnics``."""
    module_name = snake_case(class_name)
    source = module_name.split("_", 1)[0]
    if source not in SOURCE_PACKAGES:
        known = ", ".join(SOURCE_PACKAGES)
        raise LookupError(f"{class_name} does not start with a source ({known})")
    full = f"{package}.{source}.{module_name}"
    cls = import_class(full, class_name, f"{package}.{source}")
    if not issubclass(cls, Fetcher):
        raise LookupError(f"{class_name} in {full} is not a Fetcher")
    if not inspect.iscoroutinefunction(cls.get) or cls.get is Fetcher.get:
        raise LookupError(f"{class_name}.get is not an async def get(self, parent_id)")
    return cls


def parse_scanners(data: Any, source: str) -> ScannerTree:
    try:
        model = ScannersFile.model_validate(data)
    except ValidationError as err:
        raise MetadataError(validation_problems(err, source)) from None
    problems: list[str] = []
    scanners: dict[str, tuple[FetchType, ...]] = {}
    for name, entries in model.scanners.items():
        resolved = []
        for i, entry in enumerate(entries):
            where = f"{name}[{i}]"
            fetcher: type[Fetcher] | FolderSpec
            if isinstance(entry.fetcher, FolderSpec):
                fetcher = entry.fetcher
            else:
                try:
                    fetcher = resolve_fetcher(model.scanners_package, entry.fetcher)
                except LookupError as err:
                    problems.append(f"{source}: {where}.fetcher: {err}")
                    continue
            if entry.children_scanner and entry.children_scanner not in model.scanners:
                problems.append(f"{source}: {where}.children_scanner: no scanner "
                                f"{entry.children_scanner}")
            cond = entry.environment_condition
            conditions = tuple(cond if isinstance(cond, list) else [cond] if cond else [])
            for c in conditions:
                for key in set(c) - CONDITION_KEYS:
                    problems.append(f"{source}: {where}.environment_condition: unknown key {key}")
            resolved.append(FetchType(entry.type, fetcher, entry.children_scanner,
                                      conditions, entry.object_id_to_use_in_child, where))
        scanners[name] = tuple(resolved)
    if "ScanEnvironment" not in scanners:
        problems.append(f"{source}: scanners: no ScanEnvironment (the root)")
    if problems:
        raise MetadataError(problems)
    return ScannerTree(scanners)


def load_scanners(path: Path) -> ScannerTree:
    return parse_scanners(read_json(path), str(path))


def condition_holds(conditions: tuple[dict[str, Any], ...], env: dict[str, Any]) -> bool:
    """Any condition of the list holds (no condition: always). Missing env keys fail."""
    if not conditions:
        return True
    return any(_one_condition(c, env) for c in conditions)


def _one_condition(condition: dict[str, Any], env: dict[str, Any]) -> bool:
    for key, wanted in condition.items():
        allowed = {str(v).lower() for v in (wanted if isinstance(wanted, list) else [wanted])}
        have = env.get(key)
        if have is None:
            return False
        values = {str(v).lower() for v in (have if isinstance(have, list) else [have])}
        if not values & allowed:
            return False
    return True
