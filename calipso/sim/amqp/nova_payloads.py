"""Nova's notification payloads for an instance: legacy (`compute.instance.*`, the
`info_from_instance` shape of the captures) and versioned (`instance.*`, nova_object).

`InstanceFacts` is taken from the cloud when the change happens (ports and network names
included), so a payload built later never reads a cloud that has moved on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from calipso.sim.model import Flavor, Image, Instance, Port, ServiceState

Payload = dict[str, Any]


@dataclass(frozen=True, slots=True)
class InstanceFacts:
    inst: Instance
    flavor: Flavor | None
    image: Image | None
    image_url: str  # glance base URL
    ports: tuple[tuple[Port, str], ...]  # (port, network name)


def _legacy_time(stamp: str) -> str:
    """Model time `2026-01-05T10:00:00Z` -> Nova's `2026-01-05 10:00:00+00:00`."""
    return datetime.fromisoformat(stamp).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00:00")


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")


def fixed_ips(facts: InstanceFacts) -> list[Payload]:
    return [{"address": ip.ip_address, "type": "fixed", "version": 4, "vif_mac": port.mac,
             "label": label, "meta": {}, "floating_ips": []}
            for port, label in facts.ports for ip in port.fixed_ips]


def legacy(facts: InstanceFacts, state: str, *, scheduled: bool = True,
           task: str | None = None, ended: datetime | None = None,
           launched: bool = False) -> Payload:
    """`info_from_instance`: the fields every compute.instance.* payload carries."""
    inst, flavor = facts.inst, facts.flavor
    launched_at = _iso(datetime.fromisoformat(inst.created_at)) if launched else ""
    return {
        "tenant_id": inst.project_id, "user_id": inst.user_id, "instance_id": inst.uuid,
        "display_name": inst.name, "reservation_id": f"r-{inst.uuid[:8]}",
        "hostname": inst.name.lower(), "instance_type": flavor.name if flavor else "",
        "instance_type_id": int(flavor.id) if flavor and flavor.id.isdigit() else 0,
        "instance_flavor_id": flavor.id if flavor else "",
        "memory_mb": flavor.ram_mb if flavor else 0, "vcpus": flavor.vcpus if flavor else 0,
        "root_gb": flavor.disk_gb if flavor else 0, "disk_gb": flavor.disk_gb if flavor else 0,
        "ephemeral_gb": 0, "host": inst.host if scheduled else None,
        "node": inst.host if scheduled else None,
        "availability_zone": inst.availability_zone if scheduled else None,
        "cell_name": "", "created_at": _legacy_time(inst.created_at),
        "launched_at": launched_at, "terminated_at": _iso(ended) if ended else "",
        "deleted_at": _iso(ended) if ended else "",
        "image_ref_url": f"{facts.image_url}/images/{inst.image_id}",
        "image_meta": {"base_image_ref": inst.image_id, "container_format": "bare",
                       "disk_format": "qcow2", "min_disk": "0", "min_ram": "0"},
        "os_type": None, "architecture": None, "kernel_id": "", "ramdisk_id": "",
        "state": state, "state_description": task or "", "progress": "",
        "access_ip_v4": None, "access_ip_v6": None, "metadata": {},
    }


def legacy_update(facts: InstanceFacts, state: str, old_state: str, new_task: str | None,
                  old_task: str | None, **kwargs: Any) -> Payload:
    now = datetime.now(UTC)
    return legacy(facts, state, task=new_task, **kwargs) | {
        "old_state": old_state, "old_task_state": old_task, "new_task_state": new_task,
        "old_display_name": facts.inst.name, "bandwidth": {},
        "audit_period_beginning": _iso(now.replace(day=1, hour=0, minute=0, second=0,
                                                   microsecond=0)),
        "audit_period_ending": _iso(now),
    }


def _nova_object(name: str, version: str, data: Payload) -> Payload:
    return {"nova_object.name": name, "nova_object.namespace": "nova",
            "nova_object.version": version, "nova_object.data": data}


def versioned(facts: InstanceFacts, state: str, *, create: bool, request_id: str,
              ended: datetime | None = None, with_ips: bool = True) -> Payload:
    """InstanceCreatePayload (create.*) or InstanceActionPayload (the others)."""
    inst, flavor = facts.inst, facts.flavor
    ips = [_nova_object("IpPayload", "1.0", {
        "mac": port.mac, "address": ip.ip_address, "port_uuid": port.id, "meta": {},
        "version": 4, "label": label, "device_name": "tap" + port.id[:11]})
        for port, label in facts.ports for ip in port.fixed_ips] if with_ips else []
    flavor_data = _nova_object("FlavorPayload", "1.4", {
        "flavorid": flavor.id if flavor else "", "name": flavor.name if flavor else "",
        "root_gb": flavor.disk_gb if flavor else 0, "vcpus": flavor.vcpus if flavor else 0,
        "ephemeral_gb": 0, "memory_mb": flavor.ram_mb if flavor else 0, "disabled": False,
        "rxtx_factor": 1.0, "extra_specs": {}, "projects": None, "swap": 0,
        "is_public": True, "vcpu_weight": 0, "description": None})
    created = datetime.fromisoformat(inst.created_at).strftime("%Y-%m-%dT%H:%M:%SZ")
    ended_at = ended.strftime("%Y-%m-%dT%H:%M:%SZ") if ended else None
    data: Payload = {
        "architecture": "x86_64", "availability_zone": inst.availability_zone,
        "block_devices": [], "created_at": created, "deleted_at": ended_at,
        "display_name": inst.name, "display_description": inst.name, "host": inst.host,
        "host_name": inst.name.lower(), "ip_addresses": ips, "kernel_id": "",
        "key_name": None, "launched_at": created if state != "building" else None,
        "image_uuid": inst.image_id, "metadata": {}, "locked": False,
        "locked_reason": None, "node": inst.host, "os_type": None, "progress": 0,
        "ramdisk_id": "", "reservation_id": f"r-{inst.uuid[:8]}", "state": state,
        "task_state": None, "power_state": "running" if state == "active" else "pending",
        "tenant_id": inst.project_id, "terminated_at": ended_at, "auto_disk_config": "MANUAL",
        "flavor": flavor_data, "updated_at": created, "user_id": inst.user_id,
        "uuid": inst.uuid, "request_id": request_id, "action_initiator_user": inst.user_id,
        "action_initiator_project": inst.project_id, "shares": [], "fault": None,
    }
    if create:
        data |= {"keypairs": [], "tags": [], "trusted_image_certificates": None,
                 "instance_name": inst.libvirt_name}
        return _nova_object("InstanceCreatePayload", "1.13", data)
    return _nova_object("InstanceActionPayload", "1.9", data)


def select_destinations(facts: InstanceFacts) -> Payload:
    """`scheduler.select_destinations.*`: the request spec, reduced to what identifies it."""
    inst, flavor = facts.inst, facts.flavor
    return {"request_spec": {
        "num_instances": 1,
        "image": {"id": inst.image_id, "name": facts.image.name if facts.image else ""},
        "instance_type": {"flavorid": flavor.id if flavor else "",
                          "name": flavor.name if flavor else "",
                          "memory_mb": flavor.ram_mb if flavor else 0,
                          "vcpus": flavor.vcpus if flavor else 0},
        "instance_properties": {"uuid": inst.uuid, "display_name": inst.name,
                                "project_id": inst.project_id, "user_id": inst.user_id,
                                "vm_state": "building", "availability_zone": None},
    }}


def service_status(state: ServiceState, zone: str | None, service_uuid: str) -> Payload:
    """Nova's versioned ``ServiceStatusPayload`` (1.1) of a service as it is now."""
    return _nova_object("ServiceStatusPayload", "1.1", {
        "host": state.host, "binary": state.binary,
        "topic": "compute" if state.binary == "nova-compute" else state.binary[5:],
        "report_count": 1, "disabled": state.disabled,
        "disabled_reason": state.disabled_reason, "availability_zone": zone,
        "last_seen_up": _iso(datetime.now(UTC)), "forced_down": state.forced_down,
        "version": 74, "uuid": service_uuid})
