"""Sensu configuration generated from ``monitoring_config_templates``. Pure: no I/O.

A template is ``{side, type (file name), order, condition?, config}``. The templates of
one side and file are merged in ``order`` (dicts deep-merged, lists added); when a
template's ``condition`` (environment key -> allowed values) does not hold, the whole
file is left out. ``{name}`` placeholders in keys and values are filled from the
Monitoring section, the environment and the object.

``generate`` gives, per host, the Sensu classic client files (``transport.json``,
``rabbitmq.json``, ``client.json`` holding the host's checks) and the Sensu Go resources
(``CheckConfig`` per check, as ``sensuctl create`` takes them), and the server files.
Checks: hosts' pNICs, OTEPs (one per tunnel), vEdges (the template of the mechanism
driver), vConnectors, vServices, instances (pinged from their DHCP namespace), VPP vNICs
and ``vnic-vconnector`` links.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from calipso.env_config import EnvironmentConfig, MonitoringSection
from calipso.monitoring.check_names import encode_id
from calipso.monitoring.probes import in_namespace, tunnel_name

Doc = dict[str, Any]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
SENSU_GO_NAMESPACE = "default"
HANDLER = "calipso"


@dataclass(slots=True)
class Generated:
    hosts: dict[str, dict[str, Doc]] = field(default_factory=dict)  # host -> file -> config
    sensu_go: dict[str, list[Doc]] = field(default_factory=dict)  # host -> resources
    server: dict[str, Doc] = field(default_factory=dict)  # file -> config
    problems: list[str] = field(default_factory=list)


def merge(into: Any, more: Any) -> Any:
    if isinstance(into, dict) and isinstance(more, dict):
        out = dict(into)
        for key, value in more.items():
            out[key] = merge(out[key], value) if key in out else copy.deepcopy(value)
        return out
    if isinstance(into, list) and isinstance(more, list):
        return into + more
    return copy.deepcopy(more)


def fill(value: Any, values: dict[str, Any], missing: set[str]) -> Any:
    """``value`` with ``{name}`` placeholders replaced (a whole-string one keeps the
    value's type); names without a value are collected in ``missing``."""
    if isinstance(value, dict):
        return {fill(k, values, missing): fill(v, values, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, values, missing) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values or values[name] is None:
            missing.add(name)
            return match.group(0)
        return str(values[name])

    return PLACEHOLDER.sub(one, value)


class Templates:
    def __init__(self, docs: Iterable[Doc], env: EnvironmentConfig) -> None:
        env_doc = env.model_dump(mode="json")
        files: dict[tuple[str, str], list[Doc]] = {}
        for doc in docs:
            if doc.get("monitoring_system", "sensu") != "sensu":
                continue
            files.setdefault((str(doc.get("side")), str(doc.get("type"))), []).append(doc)
        self.files: dict[tuple[str, str], Doc] = {}
        for key, parts in files.items():
            parts.sort(key=lambda d: int(str(d.get("order", "1"))) if str(
                d.get("order", "1")).isdigit() else 0)
            if all(_condition_holds(p.get("condition"), env_doc) for p in parts):
                config: Doc = {}
                for part in parts:
                    config = merge(config, part.get("config") or {})
                self.files[key] = config

    def get(self, side: str, name: str) -> Doc | None:
        return self.files.get((side, name))


def _condition_holds(condition: Any, env_doc: Doc) -> bool:
    if not condition:
        return True
    for key, allowed in dict(condition).items():
        have = env_doc.get(key)
        have_set = set(have) if isinstance(have, list) else {have}
        allowed_set = set(allowed) if isinstance(allowed, list) else {allowed}
        if not {str(v).upper() for v in have_set} & {str(v).upper() for v in allowed_set}:
            return False
    return True


def section_values(env: EnvironmentConfig, section: MonitoringSection) -> dict[str, Any]:
    values = section.model_dump(mode="json", exclude={"results_token"})
    values["rabbitmq_pass"] = section.rabbitmq_pass.get_secret_value()
    values.update(env_name=env.name, app_path=env.app_path or "")
    return values


def generate(env: EnvironmentConfig, section: MonitoringSection, templates: Templates,
             docs: list[Doc], links: list[Doc]) -> Generated:
    out = Generated()
    base = section_values(env, section)
    by_type: dict[str, list[Doc]] = {}
    for doc in docs:
        by_type.setdefault(doc.get("type", ""), []).append(doc)
    by_id = {d["id"]: d for d in docs}
    driver = "vpp" if any(d.upper() == "VPP" for d in env.mechanism_drivers) else "ovs"
    hosts = {d["id"]: d for d in by_type.get("host", [])}

    def add_check(host: Any, template: str, values: dict[str, Any]) -> None:
        config = templates.get("client", template)
        if config is None or not isinstance(host, str) or host not in hosts:
            return
        missing: set[str] = set()
        filled = fill(config, base | values, missing)
        if missing:
            out.problems.append(f"{template} for {values.get('objid')}: no value for "
                                f"{', '.join(sorted(missing))}")
            return
        files = out.hosts.setdefault(host, {})
        client = files.setdefault("client.json", {})
        client.setdefault("checks", {}).update(filled.get("checks") or {})

    for host, doc in hosts.items():
        values = base | {"client_name": f"{env.name}-{host}",
                         "client_ip": doc.get("ip_address") or host}
        files = out.hosts.setdefault(host, {})
        for name in ("transport.json", "rabbitmq.json", "client.json"):
            config = templates.get("client", name)
            if config is not None:
                missing: set[str] = set()
                files[name] = merge(fill(config, values, missing), files.get(name, {}))
    for doc in by_type.get("host_pnic", []):
        add_check(doc.get("host"), f"client_check_host_pnic_{driver}.json", {
            "objtype": "host_pnic", "objid": encode_id(doc["id"]),
            "local_name": doc.get("local_name") or doc.get("name")})
    for doc in by_type.get("vedge", []):
        add_check(doc.get("host"), f"client_check_vedge_{driver}.json",
                  {"objtype": "vedge", "objid": encode_id(doc["id"])})
    for doc in by_type.get("vconnector", []):
        add_check(doc.get("host"), "client_check_vconnector_ovs.json", {
            "objtype": "vconnector", "objid": encode_id(doc["id"]),
            "bridge_name": _bridge(doc)})
    # the vService and instance checks run in namespaces: of ML2/OVN's, only metadata's are
    ovn = any(d.upper() == "OVN" for d in env.mechanism_drivers)
    by_type["vservice"] = [d for d in by_type.get("vservice", [])
                           if in_namespace(d, "ovn" if ovn else driver)]
    for doc in by_type.get("vservice", []):
        add_check(doc.get("host"), "client_check_vservice.json", {
            "objtype": "vservice", "objid": encode_id(doc["id"]),
            "service_type": doc.get("service_type"),
            "local_service_id": doc.get("local_service_id")})
    for doc in by_type.get("vnic", []):
        add_check(doc.get("host"), "client_check_vnic.json", {
            "objtype": "vnic", "objid": encode_id(doc["id"]),
            "vnictype": doc.get("vnic_type")})
    oteps = by_type.get("otep", [])
    for doc in oteps:
        for port, remote in _tunnels(doc, oteps):
            add_check(doc.get("host"), "client_check_otep.json", {
                "objtype": "otep", "objid": encode_id(doc["id"]), "portid": encode_id(port),
                "otep_src_ip": doc.get("ip_address"), "otep_dest_ip": remote})
    for link in links:
        vnic, bridge = by_id.get(link.get("source_id")), by_id.get(link.get("target_id"))
        if vnic is None or bridge is None:
            continue
        add_check(vnic.get("host"), "client_check_link_vnic-vconnector.json", {
            "linktype": "vnic-vconnector", "fromobjid": encode_id(vnic["id"]),
            "toobjid": encode_id(bridge["id"]), "objid": encode_id(vnic["id"]),
            "bridge": _bridge(bridge), "mac_address": vnic.get("mac_address")})
    for host, pairs, doc in _instance_checks(by_type):
        add_check(host, "client_check_instance.json", {
            "objtype": "instance", "objid": encode_id(doc["id"]),
            "services_and_vnics": ";".join(f"{ns},{ip}" for ns, ip in pairs)})
    for host, files in out.hosts.items():
        out.sensu_go[host] = sensu_go_resources(
            env.name, f"{env.name}-{host}", files.get("client.json", {}).get("checks", {}))
    for (side, name), config in templates.files.items():
        if side == "server":
            missing = set()
            out.server[name] = fill(config, base, missing)
    return out


def _bridge(doc: Doc) -> str | None:
    name = doc.get("bridge_name")
    host, full = doc.get("host") or "", doc.get("name") or ""
    if not name and host and full.startswith(host + "-"):
        name = full[len(host) + 1:]  # the original passed "<host>-<bridge>" here: a bug
    return name or None


def _tunnels(otep: Doc, oteps: list[Doc]) -> list[tuple[str, str]]:
    ports = set(otep.get("ports") or [])
    remotes = [o.get("ip_address") for o in oteps
               if o is not otep and isinstance(o.get("ip_address"), str)]
    named = [(tunnel_name(ip), ip) for ip in remotes if tunnel_name(ip) in ports]
    return named or [(ip, ip) for ip in remotes]


def _instance_checks(by_type: dict[str, list[Doc]]
                     ) -> list[tuple[str, list[tuple[str, str]], Doc]]:
    """Per instance: the DHCP host that serves most of its addresses, and the
    (namespace, address) pairs there (the original passed vNIC ids instead: a bug)."""
    dhcp: dict[str, Doc] = {}
    for doc in by_type.get("vservice", []):
        if doc.get("service_type") == "dhcp":
            for net in doc.get("network") or []:
                dhcp.setdefault(net, doc)
    out = []
    for doc in by_type.get("instance", []):
        per_host: dict[str, list[tuple[str, str]]] = {}
        for info in doc.get("network_info") or []:
            net = (info or {}).get("network") or {}
            service = dhcp.get(net.get("id"))
            if service is None:
                continue
            for subnet in net.get("subnets") or []:
                for ip in (subnet or {}).get("ips") or []:
                    if (ip or {}).get("address"):
                        per_host.setdefault(service["host"], []).append(
                            (service["local_service_id"], ip["address"]))
        if per_host:
            host = max(per_host, key=lambda h: len(per_host[h]))
            out.append((host, per_host[host], doc))
    return out


def sensu_go_resources(env: str, entity: str, checks: Doc) -> list[Doc]:
    """``CheckConfig`` resources for one agent (subscription ``entity:<name>``)."""
    out = []
    for name, check in sorted(checks.items()):
        out.append({"type": "CheckConfig", "api_version": "core/v2",
                    "metadata": {"name": name, "namespace": SENSU_GO_NAMESPACE,
                                 "labels": {"calipso_environment": env}},
                    "spec": {"command": check.get("command", ""),
                             "interval": int(check.get("interval", 15)), "publish": True,
                             "subscriptions": [f"entity:{entity}"],
                             "handlers": [HANDLER]}})
    return out


def sensu_go_handler(env: str) -> Doc:
    """The pipe handler that hands each event to ``calipso monitoring handle``."""
    return {"type": "Handler", "api_version": "core/v2",
            "metadata": {"name": HANDLER, "namespace": SENSU_GO_NAMESPACE},
            "spec": {"type": "pipe", "command": f"calipso monitoring handle --env {env}",
                     "timeout": 20}}


def as_text(config: Any) -> str:
    """How a generated file is written: stable, so an unchanged file compares equal."""
    if isinstance(config, list):
        return "".join(json.dumps(r, sort_keys=True) + "\n" for r in config)
    return json.dumps(config, indent=2, sort_keys=True) + "\n"
