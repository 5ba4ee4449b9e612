"""``/environment_configs``: the clouds Calipso knows — list, read, create, replace, delete.

Bodies are validated by ``calipso.env_config.EnvironmentConfig`` plus what needs the
database, ``calipso.env_support.check_environment`` (the validation ``calipso scan
--env-file`` runs too); its warnings (e.g. an unknown distribution and the clique types
chosen instead) end the answer's message.
Secrets are masked in every answer. A replacement may send the mask back for a secret,
which keeps the stored value.
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import Field
from pymongo.errors import DuplicateKeyError

from calipso.api.documents import public_doc
from calipso.api.listing import drop_none, page_of
from calipso.api.lookups import environment_exists
from calipso.api.operations import Answer, Call, Operation, Reply, Role, add_operations
from calipso.api.query import OneOf, PagedQuery, QueryModel, Text, present, validate_body
from calipso.api.schemas import ERRORS, Message, list_or_document
from calipso.env_config import REQUIRED_SECTIONS, SECRET_MASK, EnvironmentConfig, mask_secrets
from calipso.env_support import check_environment
from calipso.errors import Conflict, InvalidInput, NotFound
from calipso.inventory import clear_environment
from calipso.scanners.lifecycle import ScanStatus

FIELDS = ("name", "distribution", "distribution_version")
BACKEND_FIELDS = ("scanned", "last_scanned", "operational", "monitoring_setup_done")
# what a purge deletes besides the discovered data (inventory, links, cliques)
ENV_DATA = ("scans", "scheduled_scans", "messages", "connection_tests", "monitoring_config",
            "ssh_host_keys", "scan_locks")
NAME_PARAM = {"name": {"type": "string", "pattern": r"^[A-Za-z0-9_.-]{1,100}$"}}
Mech = Annotated[str, OneOf("mechanism_drivers")]
EMPTY_MEANS_UNSET = ("last_scanned", "environment_type")  # the original accepted ""


class EnvironmentReplacement(EnvironmentConfig):
    """The body of a replacement: its name may be left out (the path names it)."""

    name: str | None = Field(None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")


# keys of a configuration checked against a constant list
CONSTANT_KEYS = {"mechanism_drivers": "mechanism_drivers", "type_drivers": "type_drivers",
                 "operational": "environment_operational_status",
                 "environment_type": "environment_types"}


class EnvConfigsQuery(PagedQuery):
    name: Text | None = Field(None, description="one environment: its whole document")
    distribution: Text | None = None
    distribution_version: Annotated[str, OneOf("distribution_versions")] | None = None
    mechanism_drivers: Mech | list[Mech] | None = None
    type_drivers: Annotated[str, OneOf("type_drivers")] | None = None
    user: Text | None = None
    listen: bool | None = None
    scanned: bool | None = None
    monitoring_setup_done: bool | None = None
    operational: Annotated[str, OneOf("environment_operational_status")] | None = None
    environment_type: Annotated[str, OneOf("environment_types")] | None = None


class DeleteQuery(QueryModel):
    purge: bool = Field(False, description="also delete the environment's inventory, links, "
                                           "cliques, scans, schedules and messages")


async def get_configs(call: Call) -> object:
    q: EnvConfigsQuery = call.query
    filt = drop_none(name=q.name, distribution=q.distribution,
                     distribution_version=q.distribution_version, type_drivers=q.type_drivers,
                     user=q.user, listen=q.listen, scanned=q.scanned,
                     monitoring_setup_done=q.monitoring_setup_done, operational=q.operational,
                     environment_type=q.environment_type)
    if q.mechanism_drivers is not None:
        wanted = q.mechanism_drivers
        filt["mechanism_drivers"] = {"$all": wanted if isinstance(wanted, list) else [wanted]}
    if q.name is not None:
        doc = await call.db.environments_config.find_one(filt)
        if doc is None:
            raise NotFound(f"no environment config {q.name}", field="name")
        return mask_secrets(public_doc(doc))
    return await page_of(call, call.db.environments_config, filt, "environment_configs",
                         FIELDS, sort=[("name", 1)])


def _without_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if not (k in EMPTY_MEANS_UNSET and v == "")}


def reject_masks(value: Any, where: str) -> None:
    if value == SECRET_MASK:
        raise InvalidInput(f"{where}: the mask stands for a stored secret; there is none",
                           field=where)
    if isinstance(value, dict):
        for k, v in value.items():
            reject_masks(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            reject_masks(v, f"{where}.{i}")


def _keep_masked(given: Any, stored: Any, where: str) -> Any:
    """``given`` with every mask replaced by the stored value at the same place."""
    if given == SECRET_MASK:
        if stored is None or stored == SECRET_MASK:
            raise InvalidInput(f"{where}: the mask stands for a stored secret; there is none",
                               field=where)
        return stored
    if isinstance(given, dict):
        old = stored if isinstance(stored, dict) else {}
        return {k: _keep_masked(v, old.get(k), f"{where}.{k}") for k, v in given.items()}
    if isinstance(given, list):
        return [_keep_masked(v, None, f"{where}.{i}") for i, v in enumerate(given)]
    return given


def restore_secrets(sections: Any, stored_sections: Any, where: str = "configuration") -> Any:
    """Sections are matched by ``name``, not by position."""
    if not isinstance(sections, list):
        return sections
    by_name = {s.get("name"): s for s in stored_sections or [] if isinstance(s, dict)}
    return [_keep_masked(s, by_name.get(_name_of(s)), f"{where}.{i}")
            for i, s in enumerate(sections)]


def _name_of(section: Any) -> str | None:
    """A given section's name, if it has a usable one (validation reports the others)."""
    name = section.get("name") if isinstance(section, dict) else None
    return name if isinstance(name, str) else None


def has_section(name: str) -> dict[str, Any]:
    """JSON Schema of a configuration section named ``name``."""
    return {"required": ["name"], "properties": {"name": {"const": name}}}


def section_rules(lists: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    """What the section models check beyond their keys' types."""
    return {"CliSection": {"allOf": [{"anyOf": [present("pwd"), present("key")]}]}}


def _of_type(environment_type: str) -> dict[str, Any]:
    """JSON Schema: the environment is of this type (``OpenStack`` when not given or "")."""
    if environment_type == "OpenStack":
        return {"properties": {"environment_type": {"enum": ["OpenStack", ""]}}}
    return {"required": ["environment_type"],
            "properties": {"environment_type": {"const": environment_type}}}


def _per_type(environment_type: str, supported: list[dict[str, Any]]) -> dict[str, Any]:
    """JSON Schema: what an environment of this type needs (its sections; for OpenStack a
    ``supported_environments`` entry that scans it)."""
    needs = [_of_type(environment_type)]
    sections = REQUIRED_SECTIONS.get(environment_type, ())
    if sections:
        needs.append({"properties": {"configuration": {"allOf": [
            {"contains": has_section(name)} for name in sections]}}})
    if environment_type == "OpenStack":
        needs.append({"anyOf": [_supported(e) for e in supported]})
    return {"allOf": needs}


def _empty_allowed(key: str) -> dict[str, Any]:
    """A key of ``EnvironmentConfig`` that may also be "" (not set, as the original took)."""
    base = EnvironmentConfig.model_json_schema()["properties"][key]
    return {"anyOf": [base, {"const": ""}]}


def _supported(entry: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema: the configuration matches a ``supported_environments`` entry (its
    drivers; its distribution only when the entry names one), whose features also cover
    its Monitoring and AMQP sections."""
    env, features = entry["environment"], entry.get("features") or {}
    props: dict[str, Any] = {
        "type_drivers": {"const": env.get("type_drivers")},
        "mechanism_drivers": {"contains": {"const": env.get("mechanism_drivers")}},
    }
    if env.get("distribution"):
        versions = env.get("distribution_version")
        props["distribution"] = {"const": env["distribution"]}
        props["distribution_version"] = {"enum": versions if isinstance(versions, list)
                                         else [versions]}
    unsupported = [section for section, feature in
                   (("Monitoring", "monitoring"), ("AMQP", "listening"))
                   if not features.get(feature)]
    if unsupported:
        props["configuration"] = {"items": {"properties": {
            "name": {"not": {"enum": unsupported}}}}}
    return {"properties": props}


def config_rules(lists: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    """What ``EnvironmentConfig`` and ``check_environment`` enforce beyond the keys' types,
    as JSON Schema over the lists stored at the time (the OpenAPI document's rules)."""
    # the needs of every environment type as one rule of alternatives: separate rules with
    # alternatives each would multiply the cases a generator has to consider
    model = EnvironmentConfig.model_json_schema()["properties"]
    types = model["environment_type"]["enum"]
    supported = lists.get("supported_environments", [])
    rules: list[dict[str, Any]] = [{"anyOf": [_per_type(t, supported) for t in types]}]
    # each section at most once
    rules.append({"properties": {"configuration": {"allOf": [
        {"contains": has_section(name), "minContains": 0, "maxContains": 1}
        for name in model["configuration"]["items"]["discriminator"]["mapping"]]}}})
    rules.append({"anyOf": [{"properties": {"listen": {"const": False}}},
                            {"properties": {"configuration": {
                                "contains": has_section("AMQP")}}}]})
    constant = {key: list(lists.get(name) or []) for key, name in CONSTANT_KEYS.items()}
    constant["environment_type"].append("")
    rules.append({"properties": {
        key: ({"type": "array", "items": {"enum": values}} if key == "mechanism_drivers"
              else {"enum": values})
        for key, values in constant.items() if values}})
    patch = {"allOf": rules, "properties": {key: _empty_allowed(key) for key in EMPTY_MEANS_UNSET}}
    return section_rules(lists) | {"EnvironmentConfig": patch, "EnvironmentReplacement": patch}


async def _validated(call: Call, data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The document to store and the validation's warnings as a message suffix."""
    cfg = validate_body(EnvironmentConfig, _without_empty(data))
    warnings = await check_environment(call.db, cfg)
    return cfg.to_doc(reveal=True), "".join(f"; warning: {w}" for w in warnings)


async def create_config(call: Call) -> Reply:
    data: dict[str, Any] = call.body
    reject_masks(data.get("configuration"), "configuration")
    doc, warnings = await _validated(call, data)
    try:
        await call.db.environments_config.insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"environment {doc['name']} exists", field="name") from None
    return Reply({"message": f"created environment_config for {doc['name']}{warnings}"}, 201)


async def replace_config(call: Call) -> object:
    name = call.path("name")
    stored = await call.db.environments_config.find_one({"name": name})
    if stored is None:
        raise NotFound(f"no environment config {name}", field="name")
    data: dict[str, Any] = dict(call.body)
    if data.get("name") is None:
        data["name"] = name
    if data["name"] != name:
        raise Conflict(f"name: the environment is {name}; it cannot be renamed", field="name")
    for key in BACKEND_FIELDS:
        if key not in data and key in stored:
            data[key] = stored[key]
    data["configuration"] = restore_secrets(data.get("configuration"),
                                            stored.get("configuration"))
    doc, warnings = await _validated(call, data)
    await call.db.environments_config.replace_one({"_id": stored["_id"]}, doc)
    return {"message": f"updated environment_config for {name}{warnings}"}


async def delete_config(call: Call) -> object:
    name = call.path("name")
    q: DeleteQuery = call.query
    if not await environment_exists(call.db, name):
        raise NotFound(f"no environment config {name}", field="name")
    busy = await call.db.scans.find_one(
        {"environment": name,
         "status": {"$in": [ScanStatus.PENDING.value, ScanStatus.RUNNING.value]}},
        {"_id": 1})
    if busy is not None:
        raise Conflict(f"a scan of {name} is pending or running; cancel it first",
                       field="name")
    await call.db.environments_config.delete_one({"name": name})
    if q.purge:
        await clear_environment(call.db, name)
        await clear_environment(call.db, name, ENV_DATA)
    return {"message": f"deleted environment_config for {name}"}


OPERATIONS = (
    Operation("GET", "/environment_configs", get_configs,
              "Environment configurations (secrets masked)", "environments",
              query=EnvConfigsQuery,
              answers={200: list_or_document("environment_configs"), **ERRORS}),
    Operation("POST", "/environment_configs", create_config, "Add an environment",
              "environments", role=Role.ADMIN, body=EnvironmentConfig, validate_body=False,
              body_rules=config_rules, answers={201: Answer("created", Message), **ERRORS}),
    Operation("PUT", "/environment_configs/{name}", replace_config,
              "Replace an environment's configuration (a masked secret keeps its value)",
              "environments", role=Role.ADMIN, body=EnvironmentReplacement,
              validate_body=False, body_rules=config_rules, path_params=NAME_PARAM,
              answers={200: Answer("replaced", Message), **ERRORS}),
    Operation("DELETE", "/environment_configs/{name}", delete_config, "Delete an environment",
              "environments", role=Role.ADMIN, query=DeleteQuery, path_params=NAME_PARAM,
              answers={200: Answer("deleted", Message), **ERRORS}),
)



def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
