"""Whether Calipso can scan an environment, and how: the one validation of an environment
configuration beyond its shape, shared by the API (``POST``/``PUT /environment_configs``)
and the CLI (``calipso scan --env-file``).

``check_environment(db, cfg)`` reads the seeded ``constants``, ``supported_environments``
and ``clique_types``:

- the mechanism and type drivers must be known constants, and a ``supported_environments``
  entry must scan that pair (an entry without ``distribution`` fits any distribution);
  Monitoring and AMQP sections need the entry's ``monitoring`` / ``listening`` feature;
- the distribution and its version are optional. Absent, unknown, or not supported for
  these drivers, the environment is still accepted, with a warning that says so and which
  clique types apply (those of the mechanism and type drivers). Never silently.

It raises ``InvalidInput`` naming the field, and returns the warnings (one line each).
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from calipso.clique_choice import choose_clique_types, describe_choice
from calipso.env_config import EnvironmentConfig
from calipso.errors import ConfigError, InvalidInput

Doc = dict[str, Any]
CHECKED_CONSTANTS = ("mechanism_drivers", "type_drivers", "distributions",
                     "environment_types", "environment_operational_status")


async def _constants(db: AsyncDatabase) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    async for doc in db.constants.find({"name": {"$in": list(CHECKED_CONSTANTS)}}):
        out[doc["name"]] = {str(d.get("value")) for d in doc.get("data") or ()}
    return out


def _check_value(known: dict[str, set[str]], name: str, value: str, field: str) -> None:
    if name in known and value not in known[name]:
        raise InvalidInput(f"{field}: {value!r} is not one of constants {name}", field=field)


def _fits(entry: Doc, cfg: EnvironmentConfig) -> bool:
    wanted = entry.get("environment") or {}
    mechs = wanted.get("mechanism_drivers")
    mechs = mechs if isinstance(mechs, list) else [mechs]
    return (wanted.get("type_drivers") == cfg.type_drivers
            and any(m in cfg.mechanism_drivers for m in mechs))


def _names_distribution(entry: Doc, cfg: EnvironmentConfig) -> bool:
    wanted = entry.get("environment") or {}
    versions = wanted.get("distribution_version")
    versions = versions if isinstance(versions, list) else [versions]
    return (cfg.distribution is not None and wanted.get("distribution") == cfg.distribution
            and cfg.distribution_version in versions)


async def check_environment(db: AsyncDatabase, cfg: EnvironmentConfig) -> list[str]:
    known = await _constants(db)
    for i, mech in enumerate(cfg.mechanism_drivers):
        _check_value(known, "mechanism_drivers", mech, f"mechanism_drivers.{i}")
    _check_value(known, "type_drivers", cfg.type_drivers, "type_drivers")
    _check_value(known, "environment_operational_status", cfg.operational, "operational")
    _check_value(known, "environment_types", cfg.environment_type, "environment_type")
    if cfg.environment_type != "OpenStack":
        return []
    every = await db.supported_environments.find({}, {"_id": 0}).to_list(None)
    if not every:  # a database not seeded yet has nothing to check against
        return []
    entries = [e for e in every if _fits(e, cfg) and (e.get("features") or {}).get("scanning")]
    named = [e for e in entries if _names_distribution(e, cfg)]
    fitting = named or [e for e in entries if not (e.get("environment") or {}).get(
        "distribution")]
    if not fitting:
        raise InvalidInput(
            f"mechanism_drivers: {'/'.join(cfg.mechanism_drivers)} with type driver "
            f"{cfg.type_drivers} is not a supported environment (see supported_environments)",
            field="mechanism_drivers")
    sections = {s.name for s in cfg.configuration}
    for section, feature in (("Monitoring", "monitoring"), ("AMQP", "listening")):
        if section in sections and not any((e.get("features") or {}).get(feature)
                                           for e in fitting):
            raise InvalidInput(f"configuration: {section} is not supported for this "
                               f"environment ({feature})", field="configuration")
    if named:
        return []
    clique_types = await db.clique_types.find({}).sort("_id", 1).to_list(None)
    return [describe_choice(cfg, choose_clique_types(clique_types, cfg),
                            known_distribution=cfg.distribution in known.get(
                                "distributions", set()))]


async def check_environment_file(db: AsyncDatabase, cfg: EnvironmentConfig,
                                 where: str) -> list[str]:
    """``check_environment`` for a file: a refusal is a one-line ``ConfigError``."""
    try:
        return await check_environment(db, cfg)
    except InvalidInput as err:
        raise ConfigError(f"{where}: {err}") from None
