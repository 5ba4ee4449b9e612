"""Nova's JSON shapes built from the records: servers, hypervisors, zones, services...

Microversion-dependent fields follow Nova: hypervisor and service ids are UUIDs from 2.53,
`cpu_info` is an object from 2.28 and gone from 2.88 with the resource counters,
aggregates carry `uuid` from 2.41, servers embed their flavor from 2.47.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from calipso.sim.cloud import Cloud
from calipso.sim.model import Host, Instance
from calipso.sim.views import nova_services, service_zone, zone_services

Version = tuple[int, int]
UPDATED = "2026-01-05T10:00:00.000000"
CPU_INFO = {"arch": "x86_64", "model": "Cascadelake-Server", "vendor": "Intel",
            "features": ["pge", "clflush", "vmx", "avx512f"],
            "topology": {"cores": 16, "threads": 2, "sockets": 1}}
SERVICE_NS = uuid.UUID("5e1a7c1d-0000-4000-8000-000000000001")
ADMIN_ONLY = ("OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:hypervisor_hostname",
              "OS-EXT-SRV-ATTR:instance_name")


def host_id(project_id: str, host: str) -> str:
    """Nova's `hostId`: a per-project hash of the host name."""
    return hashlib.sha224((project_id + host).encode()).hexdigest()


# ---- services and zones ------------------------------------------------------------------

def services(cloud: Cloud) -> list[tuple[int, Host, str]]:
    """(service id, host, binary) for every nova service, in host order."""
    out = []
    for host in cloud.hosts.values():
        for binary in nova_services(host):
            out.append((len(out) + 1, host, binary))
    return out


def service_uuid(host: Host, binary: str) -> str:
    return str(uuid.uuid5(SERVICE_NS, f"{host.name}/{binary}"))


def service_view(cloud: Cloud, ident: int, host: Host, binary: str, mv: Version
                 ) -> dict[str, Any]:
    state = cloud.service_state(host.name, binary)
    out: dict[str, Any] = {
        "id": service_uuid(host, binary) if mv >= (2, 53) else ident, "binary": binary,
        "disabled_reason": state.disabled_reason, "host": host.name,
        "state": "up" if state.available else "down",
        "status": "disabled" if state.disabled else "enabled",
        "updated_at": UPDATED, "zone": service_zone(host, binary)}
    if mv >= (2, 11):
        out["forced_down"] = state.forced_down
    return out


def zones_detail(cloud: Cloud) -> list[dict[str, Any]]:
    """Zones with an enabled service list their hosts; a zone whose services are all
    disabled is listed unavailable, without hosts (as Nova does)."""
    zones = zone_services(cloud)
    out = [{"zoneName": name, "zoneState": {"available": True}, "hosts": {
        host: {binary: {**state, "updated_at": UPDATED} for binary, state in svc.items()}
        for host, svc in hosts.items()}} for name, hosts in zones.items()]
    every = dict.fromkeys(service_zone(h, b) for _, h, b in services(cloud))
    return out + [{"zoneName": name, "zoneState": {"available": False}, "hosts": None}
                  for name in every if name not in zones]


# ---- hypervisors -------------------------------------------------------------------------

def hypervisor_id(host: Host, mv: Version) -> int | str:
    return host.hypervisor_uuid if mv >= (2, 53) else host.hypervisor_id


def hypervisor_summary(host: Host, mv: Version) -> dict[str, Any]:
    return {"hypervisor_hostname": host.hypervisor_hostname, "id": hypervisor_id(host, mv),
            "state": "up", "status": "enabled"}


def hypervisor_detail(cloud: Cloud, host: Host, service_id: int, mv: Version
                      ) -> dict[str, Any]:
    insts = cloud.instances_on_host(host.name)
    flavors = [cloud.flavors[i.flavor_id] for i in insts]
    vcpus_used = sum(f.vcpus for f in flavors)
    ram_used = 512 + sum(f.ram_mb for f in flavors)
    disk_total, disk_used = 2048, sum(f.disk_gb for f in flavors)
    out: dict[str, Any] = {
        **hypervisor_summary(host, mv), "host_ip": host.ip, "hypervisor_type": "QEMU",
        "hypervisor_version": 8002002,
        "service": {"host": host.name, "disabled_reason": None,
                    "id": service_uuid(host, "nova-compute") if mv >= (2, 53) else service_id},
    }
    if mv < (2, 88):
        out.update({
            "cpu_info": CPU_INFO if mv >= (2, 28) else json.dumps(CPU_INFO),
            "current_workload": 0, "disk_available_least": disk_total - disk_used,
            "free_disk_gb": disk_total - disk_used, "free_ram_mb": host.memory_mb - ram_used,
            "local_gb": disk_total, "local_gb_used": disk_used, "memory_mb": host.memory_mb,
            "memory_mb_used": ram_used, "running_vms": len(insts), "vcpus": host.cpus,
            "vcpus_used": vcpus_used})
    else:
        out["uptime"] = " 10:00:00 up 30 days,  1 user,  load average: 0.50, 0.40, 0.30"
    return out


def hypervisor_servers(cloud: Cloud, host: Host) -> list[dict[str, str]]:
    return [{"name": i.libvirt_name, "uuid": i.uuid} for i in cloud.instances_on_host(host.name)]


def compute_service_ids(cloud: Cloud) -> dict[str, int]:
    return {host.name: ident for ident, host, binary in services(cloud)
            if binary == "nova-compute"}


# ---- flavors, aggregates -----------------------------------------------------------------

def flavor_view(cloud: Cloud, flavor_id: str, base: str, bookmark: str) -> dict[str, Any]:
    f = cloud.flavors[flavor_id]
    return {
        "OS-FLV-DISABLED:disabled": False, "disk": f.disk_gb, "OS-FLV-EXT-DATA:ephemeral": 0,
        "os-flavor-access:is_public": True, "id": f.id,
        "links": [{"href": f"{base}/flavors/{f.id}", "rel": "self"},
                  {"href": f"{bookmark}/flavors/{f.id}", "rel": "bookmark"}],
        "name": f.name, "ram": f.ram_mb, "swap": "", "vcpus": f.vcpus, "rxtx_factor": 1.0}


def aggregate_view(cloud: Cloud, agg_id: int, mv: Version) -> dict[str, Any]:
    agg = cloud.aggregates[agg_id]
    metadata = dict(agg.metadata)
    if agg.availability_zone:
        metadata["availability_zone"] = agg.availability_zone
    out: dict[str, Any] = {
        "availability_zone": agg.availability_zone, "created_at": UPDATED, "deleted": False,
        "deleted_at": None, "hosts": list(agg.hosts), "id": agg.id, "metadata": metadata,
        "name": agg.name, "updated_at": None}
    if mv >= (2, 41):
        out["uuid"] = agg.uuid
    return out


# ---- servers -----------------------------------------------------------------------------

def addresses(cloud: Cloud, inst: Instance) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for port_id in inst.port_ids:
        port = cloud.ports.get(port_id)
        if port is None:
            continue
        entries = out.setdefault(cloud.networks[port.network_id].name, [])
        entries.extend({"OS-EXT-IPS-MAC:mac_addr": port.mac, "version": 4,
                        "addr": ip.ip_address, "OS-EXT-IPS:type": "fixed"}
                       for ip in port.fixed_ips)
    return out


def _links(kind: str, ident: str, base: str, bookmark: str) -> list[dict[str, str]]:
    return [{"href": f"{base}/{kind}/{ident}", "rel": "self"},
            {"href": f"{bookmark}/{kind}/{ident}", "rel": "bookmark"}]


def server_view(cloud: Cloud, inst: Instance, *, base: str, bookmark: str, mv: Version,
                admin: bool) -> dict[str, Any]:
    flavor = cloud.flavors[inst.flavor_id]
    if mv >= (2, 47):
        flavor_doc: dict[str, Any] = {
            "vcpus": flavor.vcpus, "ram": flavor.ram_mb, "disk": flavor.disk_gb,
            "ephemeral": 0, "swap": 0, "original_name": flavor.name, "extra_specs": {}}
    else:
        flavor_doc = {"id": flavor.id, "links": _links("flavors", flavor.id, base,
                                                       bookmark)[1:]}
    out: dict[str, Any] = {
        "id": inst.uuid, "name": inst.name, "status": inst.status,
        "tenant_id": inst.project_id, "user_id": inst.user_id, "metadata": {},
        "hostId": host_id(inst.project_id, inst.host),
        "image": {"id": inst.image_id,
                  "links": _links("images", inst.image_id, base, bookmark)[1:]},
        "flavor": flavor_doc, "created": inst.created_at, "updated": inst.created_at,
        "addresses": addresses(cloud, inst), "accessIPv4": "", "accessIPv6": "",
        "links": _links("servers", inst.uuid, base, bookmark),
        "OS-DCF:diskConfig": "MANUAL", "progress": 0,
        "OS-EXT-AZ:availability_zone": inst.availability_zone, "config_drive": "",
        "key_name": None, "OS-SRV-USG:launched_at": inst.created_at.replace("Z", ".000000"),
        "OS-SRV-USG:terminated_at": None,
        "OS-EXT-STS:task_state": None, "OS-EXT-STS:vm_state":
            "resized" if inst.status == "VERIFY_RESIZE" else inst.status.lower(),
        "OS-EXT-STS:power_state": inst.power_state,
        "os-extended-volumes:volumes_attached": [], "security_groups": [{"name": "default"}],
    }
    if admin:
        out["OS-EXT-SRV-ATTR:host"] = inst.host
        out["OS-EXT-SRV-ATTR:hypervisor_hostname"] = cloud.host(inst.host).hypervisor_hostname
        out["OS-EXT-SRV-ATTR:instance_name"] = inst.libvirt_name
    if mv >= (2, 9):
        out["locked"] = False
    if mv >= (2, 19):
        out["description"] = None
    if mv >= (2, 26):
        out["tags"] = []
    return out


def server_brief(inst: Instance, base: str, bookmark: str) -> dict[str, Any]:
    return {"id": inst.uuid, "name": inst.name,
            "links": _links("servers", inst.uuid, base, bookmark)}
