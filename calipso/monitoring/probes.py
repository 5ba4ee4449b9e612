"""Calipso's own checks, planned from the inventory: what to run on which host, and how
to read the answer. Pure: no I/O.

A ``Probe`` is one check of one object or link: shell commands for one host and the
reader of their output. ``plan_probes`` gives every host its probes; ``read_probe`` turns
a probe's output into a status. Instance checks run from the DHCP namespace of each of the
instance's networks (on the host serving it) and are combined by ``combine_instance``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from calipso.inventory.statuses import Status
from calipso.monitoring.check_names import link_check_name, object_check_name, otep_check_name

Doc = dict[str, Any]
RECEIVED = re.compile(r"(\d+) (?:packets )?received")
SAFE = re.compile(r"^[A-Za-z0-9_.:/@-]+$")  # names put on a command line
LINUX_BRIDGE = ("qbr", "brq")


@dataclass(frozen=True, slots=True)
class Probe:
    check: str  # the check name results are applied under
    kind: str  # how read_probe reads it
    commands: tuple[str, ...]
    expect: tuple[str, ...] = ()  # names the output must show (ports, a bridge)
    instance: str | None = None  # instance probes: the instance's id


def _safe(*names: Any) -> bool:
    return all(isinstance(n, str) and SAFE.match(n) for n in names)


def _pnic(doc: Doc) -> Probe | None:
    name = doc.get("local_name") or doc.get("name")
    if not _safe(name):
        return None
    check = object_check_name("host_pnic", doc["id"])
    if "/" in name:  # a VPP hardware interface
        return Probe(check, "vpp_nic", (f"vppctl show hardware-interfaces {name}",),
                     (name,))
    return Probe(check, "operstate", (f"cat /sys/class/net/{name}/operstate",))


def _vedge(doc: Doc, driver: str) -> Probe | None:
    check = object_check_name("vedge", doc["id"])
    if driver in ("ovs", "ovn"):  # OVN's vEdge is the chassis' ovn-controller
        ports = sorted(p for p in (doc.get("ports") or {}) if _safe(p))
        agent = "-x ovn-controller" if driver == "ovn" else "-f neutron-openvswitch-agent"
        return Probe(check, "vedge_ovs", ("pgrep -x ovs-vswitchd", "pgrep -x ovsdb-server",
                                          f"pgrep {agent}", "ovs-appctl dpctl/show"),
                     tuple(ports))
    if driver == "lxb":
        return Probe(check, "process", ("pgrep -f neutron-linuxbridge-agent",),
                     ("neutron-linuxbridge-agent",))
    if driver == "vpp":
        return Probe(check, "process", ("pgrep -x vpp",), ("vpp",))
    return None


def _bridge_name(doc: Doc) -> str | None:
    name = doc.get("bridge_name")
    if not name:
        host, full = doc.get("host") or "", doc.get("name") or ""
        name = full[len(host) + 1:] if host and full.startswith(host + "-") else None
    return name if _safe(name) else None


def _vconnector(doc: Doc, driver: str) -> Probe | None:
    bridge = _bridge_name(doc)
    if driver == "vpp" or bridge is None:
        return None  # a VPP bridge domain is no device
    return Probe(object_check_name("vconnector", doc["id"]), "device",
                 (f"ip link show {bridge}",), (bridge,))


def _vnic_link(vnic: Doc, bridge_doc: Doc, driver: str) -> Probe | None:
    bridge = _bridge_name(bridge_doc)
    name = vnic.get("name")
    if driver == "vpp" or bridge is None or not _safe(name):
        return None
    linux_bridge = bridge.startswith(LINUX_BRIDGE)
    if name.startswith("ns-") or (linux_bridge and name.startswith(("qr-", "qg-"))):
        # a namespace end of a veth (DHCP ns-, router qr-/qg- on Linux bridge): the
        # bridge holds its peer tap<id>
        name = "tap" + name[3:]
    check = link_check_name("vnic-vconnector", vnic["id"], bridge_doc["id"])
    if linux_bridge:
        return Probe(check, "in_bridge", (f"ip link show {name}",), (f"master {bridge}",))
    return Probe(check, "ovs_port", (f"ovs-vsctl list-ports {bridge}",), (name,))


def in_namespace(doc: Doc, driver: str) -> bool:
    """ML2/OVN's routers and DHCP live in the OVN databases and ovn-controller's flows,
    in no namespace; only its metadata vServices are namespaces."""
    return driver != "ovn" or doc.get("service_type") == "metadata"


def _vservice(doc: Doc, driver: str) -> Probe | None:
    check = object_check_name("vservice", doc["id"])
    if driver == "ovn" and doc.get("service_type") == "dhcp":  # the chassis answers it
        return Probe(check, "process", ("pgrep -x ovn-controller",), ("ovn-controller",))
    ns = doc.get("local_service_id")
    if not _safe(ns) or not in_namespace(doc, driver):
        return None  # an OVN logical router: what runs it is the gateway's vEdge
    return Probe(check, "netns_pids", (f"ip netns pids {ns}",))


def tunnel_name(ip: str) -> str:
    return "vxlan-" + "".join(f"{int(p):02x}" for p in ip.split("."))


def _otep_probes(otep: Doc, others: list[Doc]) -> list[Probe]:
    local = otep.get("ip_address")
    if not _safe(local):
        return []
    ports = set(otep.get("ports") or [])
    remotes = [o["ip_address"] for o in others
               if o is not otep and _safe(o.get("ip_address"))]
    named = [ip for ip in remotes if tunnel_name(ip) in ports]
    out = []
    for ip in named or remotes:
        port = tunnel_name(ip) if named else ip
        out.append(Probe(otep_check_name(otep["id"], port), "ping",
                         (f"ping -c 1 -W 1 -I {local} {ip}",)))
    return out


def _instance_ips(doc: Doc, network: str) -> list[str]:
    ips = []
    for info in doc.get("network_info") or []:
        net = (info or {}).get("network") or {}
        if net.get("id") != network:
            continue
        for subnet in net.get("subnets") or []:
            for ip in (subnet or {}).get("ips") or []:
                address = (ip or {}).get("address")
                if isinstance(address, str) and _is_ip(address):
                    ips.append(address)
    return ips


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def plan_probes(docs: Iterable[Doc], links: Iterable[Doc], driver: str
                ) -> dict[str, list[Probe]]:
    """Every host's probes for the objects and ``vnic-vconnector`` links given."""
    by_type: dict[str, list[Doc]] = {}
    for doc in docs:
        by_type.setdefault(doc.get("type", ""), []).append(doc)
    by_id = {d["id"]: d for group in by_type.values() for d in group}
    plan: dict[str, list[Probe]] = {}

    def add(host: Any, probe: Probe | None) -> None:
        if probe is not None and isinstance(host, str) and host:
            plan.setdefault(host, []).append(probe)

    for doc in by_type.get("host_pnic", []):
        add(doc.get("host"), _pnic(doc))
    for doc in by_type.get("vedge", []):
        add(doc.get("host"), _vedge(doc, driver))
    for doc in by_type.get("vconnector", []):
        add(doc.get("host"), _vconnector(doc, driver))
    for doc in by_type.get("vservice", []):
        add(doc.get("host"), _vservice(doc, driver))
    oteps = by_type.get("otep", [])
    for doc in oteps:
        for probe in _otep_probes(doc, oteps):
            add(doc.get("host"), probe)
    for link in links:
        vnic, bridge = by_id.get(link.get("source_id")), by_id.get(link.get("target_id"))
        if vnic is not None and bridge is not None:
            add(vnic.get("host"), _vnic_link(vnic, bridge, driver))
    # instances are pinged from their network's DHCP namespace; ML2/OVN has none (its DHCP
    # vServices are ovn-controller's), so from the metadata namespace of the network on
    # the instance's own host
    dhcp: dict[str, Doc] = {}
    metadata: dict[tuple[str, str], Doc] = {}
    for doc in by_type.get("vservice", []):
        for net in doc.get("network") or [] if in_namespace(doc, driver) else []:
            if doc.get("service_type") == "dhcp":
                dhcp.setdefault(net, doc)
            elif doc.get("service_type") == "metadata":
                metadata.setdefault((doc.get("host") or "", net), doc)
    for doc in by_type.get("instance", []):
        check = object_check_name("instance", doc["id"])
        for net in doc.get("network") or []:
            service = dhcp.get(net) or metadata.get((doc.get("host") or "", net))
            ns = service.get("local_service_id") if service else None
            for ip in _instance_ips(doc, net) if _safe(ns) else []:
                add(service.get("host") if service else None,
                    Probe(check, "ping", (f"ip netns exec {ns} ping -c 1 -W 1 {ip}",),
                          instance=doc["id"]))
    return plan


def read_probe(probe: Probe, outputs: list[str]) -> tuple[Status, str]:
    """The status a probe's outputs (one per command) say, and a short text."""
    first = outputs[0].strip() if outputs else ""
    if probe.kind == "operstate":
        state = first.splitlines()[0] if first else ""
        if state == "up":
            return Status.OK, "link up"
        if state in ("unknown", "dormant"):
            return Status.Warning, f"link state {state}"
        return Status.Error, "link down" if state == "down" else f"no such NIC: {first[:200]}"
    if probe.kind == "vpp_nic":
        line = next((ln for ln in first.splitlines() if ln.startswith(probe.expect[0])), "")
        return (Status.OK, "link up") if " up " in f" {line} " else (Status.Error,
                                                                    "link down")
    if probe.kind == "vedge_ovs":
        return _read_ovs(probe, outputs)
    if probe.kind == "process":
        return ((Status.OK, f"{probe.expect[0]} running") if _pids(first)
                else (Status.Error, f"{probe.expect[0]} not running"))
    if probe.kind == "device":
        gone = "does not exist" in first or not first
        return (Status.Error, f"bridge {probe.expect[0]} missing") if gone else (
            Status.OK, f"bridge {probe.expect[0]} present")
    if probe.kind == "in_bridge":
        if "does not exist" in first or not first:
            return Status.Error, "vNIC device missing"
        return ((Status.OK, f"attached ({probe.expect[0]})") if probe.expect[0] in first
                else (Status.Error, f"not attached to {probe.expect[0][7:]}"))
    if probe.kind == "ovs_port":
        return ((Status.OK, "port on bridge") if probe.expect[0] in first.split()
                else (Status.Error, f"{probe.expect[0]} not on the bridge"))
    if probe.kind == "netns_pids":
        if "Cannot open network namespace" in first:
            return Status.Error, "namespace missing"
        return ((Status.OK, f"{len(_pids(first))} processes") if _pids(first)
                else (Status.Error, "no process in the namespace"))
    if probe.kind == "ping":
        if "Cannot open network namespace" in first:
            return Status.Unknown, "cannot check: namespace missing"
        found = RECEIVED.search(first)
        if found is None:
            return Status.Error, first[:200] or "no answer"
        return (Status.OK, "reachable") if int(found.group(1)) else (Status.Error,
                                                                     "unreachable")
    raise ValueError(f"no reader for probe kind {probe.kind}")


def _pids(text: str) -> list[str]:
    return [w for w in text.split() if w.isdigit()]


def _read_ovs(probe: Probe, outputs: list[str]) -> tuple[Status, str]:
    parts = [*outputs, "", "", "", ""][:4]
    down = [name for name, out in zip(("ovs-vswitchd", "ovsdb-server"), parts, strict=False)
            if not _pids(out)]
    if down:
        return Status.Error, f"{' and '.join(down)} not running"
    shown = set(re.findall(r"^\s*port \d+: (\S+)", parts[3], re.M))  # datapath ports
    missing = [p for p in probe.expect if p not in shown]
    problems = []
    if not _pids(parts[2]):
        problems.append(f"{probe.commands[2].split()[-1]} not running")
    if missing:
        problems.append(f"ports missing: {', '.join(missing[:10])}")
    return (Status.Warning, "; ".join(problems)) if problems else (
        Status.OK, f"running, {len(probe.expect)} ports")


def combine_instance(results: list[tuple[Status, str]]) -> tuple[Status, str]:
    """An instance's status from its pings: OK if all reach it, Error if none, else
    Warning; Unknown when none could be tried."""
    tried = [s for s, _ in results if s is not Status.Unknown]
    if not tried:
        return Status.Unknown, results[0][1] if results else "no DHCP namespace"
    ok = tried.count(Status.OK)
    if ok == len(tried):
        return Status.OK, f"reachable from DHCP ({ok})"
    if ok == 0:
        return Status.Error, "unreachable from DHCP"
    return Status.Warning, f"reachable on {ok} of {len(tried)} addresses"
