"""Seed data: the metadata collections Calipso needs in MongoDB, and their idempotent loader.

`config/seed/<collection>.json` holds one JSON list of documents per collection. Each
collection has a natural key (`SEED_KEYS`). A plain load inserts the documents whose key is
absent and leaves present ones alone, so a user's edit survives; `force=True` puts the
shipped version back. The files are validated before anything is written: a bad file is
one `MetadataError` naming the file, the document index and the field.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymongo import ReplaceOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure

from calipso.config_paths import config_root
from calipso.errors import DatabaseUnavailable, MetadataError
from calipso.json_file import read_json

log = logging.getLogger(__name__)

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SeedKey:
    """Fields (dotted paths allowed) that identify a seed document within its collection.

    A field in `optional` may be left out of a document; the key then matches only stored
    documents that lack that field too (clique types bound to a configuration rather than
    to an environment have no `environment`).
    """

    fields: tuple[str, ...]
    optional: frozenset[str] = frozenset()


SEED_KEYS: Mapping[str, SeedKey] = {
    "constants": SeedKey(("name",)),
    "link_types": SeedKey(("link_type",)),
    "clique_types": SeedKey(("environment", "focal_point_type", "name"),
                            optional=frozenset({"environment"})),
    "clique_constraints": SeedKey(("environment", "focal_point_type"),
                                  optional=frozenset({"environment"})),
    "supported_environments": SeedKey((
        "environment.distribution",
        "environment.distribution_version",
        "environment.mechanism_drivers",
        "environment.type_drivers",
    ), optional=frozenset({"environment.distribution", "environment.distribution_version"})),
    "monitoring_config_templates": SeedKey(("monitoring_system", "side", "type", "order")),
    "network_agent_types": SeedKey(("type",)),
    "attributes_for_hover_on_data": SeedKey(("type",)),
    "roles": SeedKey(("name",)),
}
SEED_COLLECTIONS: tuple[str, ...] = tuple(SEED_KEYS)

_MISSING = object()


def default_seed_dir(config_dir: Path | None = None) -> Path:
    """`<config_dir>/seed` when a config directory is given, else the shipped `config/seed`."""
    return config_root(config_dir) / "seed"


# --- reading and validating (blocking; run through asyncio.to_thread) ---------------------

def _lookup(doc: Mapping[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _identity(collection: str, doc: Mapping[str, Any]) -> tuple[Any, ...]:
    """The natural key of `doc` as a hashable tuple (None for an absent optional field)."""
    values = (_lookup(doc, field) for field in SEED_KEYS[collection].fields)
    return tuple(None if v is _MISSING else _hashable(v) for v in values)


def _key_problem(value: Any) -> str | None:
    """Why `value` cannot be (part of) a natural key, or None when it can."""
    if value is _MISSING or value is None or value == "":
        return "missing key field"
    scalars = (str, int, float, bool)
    if isinstance(value, scalars):
        return None
    if isinstance(value, list) and value and all(isinstance(v, scalars) for v in value):
        return None
    return f"key field must be a string, number or non-empty list of them, not {value!r}"


def _field_name_problems(value: Any, where: str) -> list[str]:
    """Field names MongoDB would misread in an update: `$...` operators and dotted paths."""
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _field_name_problems(v, f"{where}[{i}]")]
    if not isinstance(value, dict):
        return []
    problems = [f"{where}.{k}: field names must not start with '$' or contain '.'"
                for k in value if k.startswith("$") or "." in k]
    for k, v in value.items():
        problems.extend(_field_name_problems(v, f"{where}.{k}"))
    return problems


def _check_documents(name: str, docs: list[Any], label: str, problems: list[str]) -> None:
    key = SEED_KEYS[name]
    seen: dict[tuple[Any, ...], int] = {}
    for index, doc in enumerate(docs):
        where = f"{label}: [{index}]"
        if not isinstance(doc, dict):
            problems.append(f"{where}: expected a JSON object, got {type(doc).__name__}")
            continue
        if "_id" in doc:
            problems.append(f"{where}._id: seed documents must not set _id")
        problems.extend(_field_name_problems(doc, where))
        bad = False
        for field in key.fields:
            value = _lookup(doc, field)
            if value is _MISSING and field in key.optional:
                continue
            reason = _key_problem(value)
            if reason is not None:
                problems.append(f"{where}.{field}: {reason}")
                bad = True
        if bad:
            continue
        identity = _identity(name, doc)
        if identity in seen:
            shown = ", ".join(f"{f}={v!r}" for f, v in zip(key.fields, identity, strict=True)
                              if v is not None)
            problems.append(f"{where}: duplicate key ({shown}) of [{seen[identity]}]")
        else:
            seen[identity] = index


def _read_file(path: Path, label: str, problems: list[str]) -> list[Any] | None:
    try:
        data = read_json(path, label)
    except MetadataError as err:
        problems.extend(err.problems)
        return None
    if not isinstance(data, list):
        problems.append(f"{label}: expected a JSON list of documents, got "
                        f"{type(data).__name__}")
        return None
    return data


def _check_link_type_names(seed: Mapping[str, list[Document]], seed_dir: Path,
                           problems: list[str]) -> None:
    """Clique types may only name link types that constants and link_types both list."""
    constants = {d.get("name"): d for d in seed.get("constants", [])}
    listed = constants.get("link_types", {}).get("data")
    if not isinstance(listed, list):
        problems.append(f"{seed_dir / 'constants.json'}: no 'link_types' constant with a "
                        "data list")
        return
    names = {item.get("value") for item in listed if isinstance(item, dict)}
    documented = {d.get("link_type") for d in seed.get("link_types", [])}
    label = seed_dir / "link_types.json"
    for missing in sorted(names - documented, key=str):
        problems.append(f"{label}: no document for constant link type {missing!r}")
    for extra in sorted(documented - names, key=str):
        problems.append(f"{label}: link type {extra!r} is not in the link_types constant")
    label = seed_dir / "clique_types.json"
    for index, doc in enumerate(seed.get("clique_types", [])):
        links = doc.get("link_types")
        if not isinstance(links, list) or not links:
            problems.append(f"{label}: [{index}].link_types: expected a non-empty list")
            continue
        for pos, link_type in enumerate(links):
            if link_type not in names:
                problems.append(f"{label}: [{index}].link_types[{pos}]: unknown link type "
                                f"{link_type!r}")


def _read_seed_sync(seed_dir: Path) -> dict[str, list[Document]]:
    """Read and validate every seed file; raise one MetadataError listing all problems."""
    problems: list[str] = []
    if not seed_dir.is_dir():
        raise MetadataError([f"{seed_dir}: seed directory does not exist"])
    known = {f"{name}.json" for name in SEED_COLLECTIONS}
    for path in sorted(seed_dir.glob("*.json")):
        if path.name not in known:
            problems.append(f"{path}: not a seed collection (known: "
                            f"{', '.join(SEED_COLLECTIONS)})")
    seed: dict[str, list[Document]] = {}
    for name in SEED_COLLECTIONS:
        path = seed_dir / f"{name}.json"
        docs = _read_file(path, str(path), problems)
        if docs is None:
            continue
        before = len(problems)
        _check_documents(name, docs, str(path), problems)
        if len(problems) == before:
            seed[name] = docs
    if not problems:
        _check_link_type_names(seed, seed_dir, problems)
    if problems:
        raise MetadataError(problems)
    return seed


async def read_seed(seed_dir: Path) -> dict[str, list[Document]]:
    """Validated seed documents per collection, read off the event loop."""
    return await asyncio.to_thread(_read_seed_sync, seed_dir)


# --- loading ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CollectionCounts:
    collection: str
    inserted: int = 0
    kept: int = 0
    replaced: int = 0


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What one `load_seed` did, per collection."""

    seed_dir: Path
    force: bool
    collections: tuple[CollectionCounts, ...]

    @property
    def inserted(self) -> int:
        return sum(c.inserted for c in self.collections)

    @property
    def kept(self) -> int:
        return sum(c.kept for c in self.collections)

    @property
    def replaced(self) -> int:
        return sum(c.replaced for c in self.collections)

    def counts(self, collection: str) -> CollectionCounts:
        for counts in self.collections:
            if counts.collection == collection:
                return counts
        raise KeyError(collection)

    def __str__(self) -> str:
        mode = " (force)" if self.force else ""
        width = max((len(c.collection) for c in self.collections), default=0)
        lines = [f"seed {self.seed_dir}{mode}: {self.inserted} inserted, {self.kept} kept, "
                 f"{self.replaced} replaced"]
        lines.extend(f"  {c.collection:<{width}}  {c.inserted:>4} inserted  {c.kept:>4} kept  "
                     f"{c.replaced:>4} replaced" for c in self.collections)
        return "\n".join(lines)


def key_filter(collection: str, doc: Mapping[str, Any]) -> Document:
    """The Mongo filter that finds `doc`'s stored twin by its natural key."""
    key = SEED_KEYS[collection]
    query: Document = {}
    for field in key.fields:
        value = _lookup(doc, field)
        query[field] = {"$exists": False} if value is _MISSING else value
    return query


async def _insert_absent(db: AsyncDatabase, name: str,
                         docs: list[Document]) -> CollectionCounts:
    requests = [UpdateOne(key_filter(name, doc), {"$setOnInsert": doc}, upsert=True)
                for doc in docs]
    result = await db[name].bulk_write(requests, ordered=False)
    return CollectionCounts(name, inserted=result.upserted_count, kept=result.matched_count)


async def _replace_changed(db: AsyncDatabase, name: str,
                           docs: list[Document]) -> CollectionCounts:
    """Replace stored documents that differ from the seed; identical ones count as kept.

    Comparing first keeps the report honest: a document whose fields merely came back in
    another order (servers differ in how an upsert orders them) is not "replaced".
    """
    stored: dict[tuple[Any, ...], Document] = {}
    async for doc in db[name].find({}, projection={"_id": 0}):
        stored.setdefault(_identity(name, doc), doc)
    requests = [ReplaceOne(key_filter(name, doc), doc, upsert=True)
                for doc in docs if stored.get(_identity(name, doc)) != doc]
    if not requests:
        return CollectionCounts(name, kept=len(docs))
    result = await db[name].bulk_write(requests, ordered=False)
    return CollectionCounts(name, inserted=result.upserted_count,
                            kept=len(docs) - len(requests), replaced=result.matched_count)


async def _load_collection(db: AsyncDatabase, name: str, docs: list[Document],
                           force: bool) -> CollectionCounts:
    if not docs:
        return CollectionCounts(name)
    if force:
        return await _replace_changed(db, name, docs)
    return await _insert_absent(db, name, docs)


async def load_seed(
    db: AsyncDatabase,
    seed_dir: Path | None = None,
    *,
    force: bool = False,
    config_dir: Path | None = None,
) -> SeedReport:
    """Load the seed files into `db`: insert what is absent; with `force`, replace by key.

    `seed_dir` wins over `config_dir` (a `config` directory holding `seed/`, e.g. from
    CALIPSO_CONFIG_DIR); with neither, the shipped `config/seed` is used.
    """
    seed_dir = Path(seed_dir) if seed_dir is not None else default_seed_dir(config_dir)
    seed = await read_seed(seed_dir)
    try:
        counts = [await _load_collection(db, name, seed[name], force)
                  for name in SEED_COLLECTIONS]
    except ConnectionFailure as err:
        raise DatabaseUnavailable(f"loading seed data: {err}") from err
    report = SeedReport(seed_dir, force, tuple(counts))
    log.info("seed data loaded", extra={"seed_dir": str(seed_dir), "force": force,
                                        "inserted": report.inserted, "kept": report.kept,
                                        "replaced": report.replaced})
    return report


async def database_is_empty(db: AsyncDatabase) -> bool:
    """True when no seed collection holds a document (a fresh database)."""
    try:
        found = await asyncio.gather(*(db[name].find_one({}, projection={"_id": 1})
                                       for name in SEED_COLLECTIONS))
    except ConnectionFailure as err:
        raise DatabaseUnavailable(f"checking for seed data: {err}") from err
    return all(doc is None for doc in found)
