"""Rows of the MySQL channel's tables, built from the cloud's records (no I/O).

Each method returns one row as a tuple in the column order of its `schema.Table`. Values
take the forms the real services store: JSON columns are JSON strings, booleans 0/1,
times naive UTC `DATETIME`s, Nova soft deletes (`deleted` = the row id).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from calipso.sim.cloud import Cloud
from calipso.sim.model import Agent, Aggregate, Host, Instance, Network, Port, Project, Router
from calipso.sim.model import Subnet as SubnetRecord
from calipso.sim.views import network_info
from calipso.sim.wiring import LXB_VXLAN_PORT, VXLAN_PORT

Row = tuple[Any, ...]
DOMAIN_ROOT = "<<keystone.domain.root>>"  # keystone's domain_id of a domain row
_SEGMENT_NS = uuid.UUID("5e9b3c1e-4f0a-4d6b-9a51-7c0f3f6b2d10")  # segment ids per network
_VM_STATES = {"ACTIVE": "active", "SHUTOFF": "stopped", "PAUSED": "paused",
              "SUSPENDED": "suspended", "ERROR": "error", "BUILD": "building",
              "VERIFY_RESIZE": "resized"}


def db_time(stamp: str) -> datetime:
    """`2026-01-05T10:00:00Z` -> naive UTC datetime, as a DATETIME column holds it."""
    return datetime.fromisoformat(stamp).astimezone(UTC).replace(tzinfo=None)


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def hostname_of(display_name: str) -> str:
    """Nova's `hostname`: the display name made DNS-safe."""
    name = re.sub(r"[^a-z0-9-]+", "-", display_name.lower()).strip("-")
    return name[:63] or "instance"


class RowBuilder:
    """Row builders for one cloud; holds the few lookups every row of a table needs."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.flavor_no = {fid: i for i, fid in enumerate(cloud.flavors, start=1)}
        self.udp_port = LXB_VXLAN_PORT if cloud.spec.driver == "lxb" else VXLAN_PORT

    # ---- nova ------------------------------------------------------------------------

    def instance(self, inst: Instance, deleted_at: datetime | None = None) -> Row:
        flavor = self.cloud.flavors.get(inst.flavor_id)
        created = db_time(inst.created_at)
        deleted = deleted_at is not None
        return (
            created, deleted_at, deleted_at,  # created_at, updated_at, deleted_at
            inst.db_id, inst.user_id, inst.project_id, inst.image_id, "", "", 0, None,
            0 if deleted else inst.power_state,
            "deleted" if deleted else _VM_STATES.get(inst.status, inst.status.lower()),
            flavor.ram_mb if flavor else 0, flavor.vcpus if flavor else 0,
            hostname_of(inst.name), inst.host, f"r-{inst.uuid[:8]}", created,
            deleted_at, inst.name, inst.name, inst.availability_zone, 0, None, inst.host,
            self.flavor_no.get(inst.flavor_id), None, inst.uuid, "x86_64", "/dev/vda",
            None, None, "", None, 0, 0, flavor.disk_gb if flavor else 0, 0, None,
            inst.host, inst.db_id if deleted else 0, 0, 0,
            self.cloud.hosts[inst.host].hypervisor_id,
        )

    def info_cache(self, inst: Instance, deleted_at: datetime | None = None) -> Row:
        created = db_time(inst.created_at)
        if deleted_at is not None:
            return (created, deleted_at, deleted_at, inst.db_id, "[]", inst.uuid, inst.db_id)
        nw_info = json.dumps(network_info(self.cloud, inst))
        return (created, None, None, inst.db_id, nw_info, inst.uuid, 0)

    def compute_node(self, host: Host, updated_at: datetime | None = None) -> Row:
        insts = self.cloud.instances_on_host(host.name)
        flavors = [self.cloud.flavors.get(i.flavor_id) for i in insts]
        vcpus_used = sum(f.vcpus for f in flavors if f)
        ram_used = 512 + sum(f.ram_mb for f in flavors if f)
        disk_used = sum(f.disk_gb for f in flavors if f)
        local_gb = 1800
        cpu_info = json.dumps({"arch": "x86_64", "model": "Cascadelake-Server", "vendor": "Intel",
                               "topology": {"cells": 2, "sockets": 1, "cores": host.cpus // 4,
                                            "threads": 2}, "features": []})
        return (
            db_time("2026-01-05T10:00:00Z"), updated_at, None, host.hypervisor_id,
            None, host.name, host.cpus, host.memory_mb, local_gb, vcpus_used, ram_used,
            disk_used, "QEMU", 8002000, cpu_info, local_gb - disk_used,
            host.memory_mb - ram_used, local_gb - disk_used, 0, len(insts),
            host.hypervisor_hostname, 0,
            host.ip, '[["x86_64", "kvm", "hvm"]]', None, "{}", 16.0, 1.5, 1.0,
            host.hypervisor_uuid, 1,
        )

    def aggregate(self, agg: Aggregate) -> Row:
        return (db_time("2026-01-05T10:00:00Z"), None, None, agg.id, agg.name, 0, agg.uuid)

    def aggregate_hosts(self, agg: Aggregate) -> list[Row]:
        created = db_time("2026-01-05T10:00:00Z")
        return [(created, None, None, None, host, agg.id, 0) for host in agg.hosts]

    def aggregate_metadata(self, agg: Aggregate) -> list[Row]:
        created = db_time("2026-01-05T10:00:00Z")
        items = list(agg.metadata)
        if agg.availability_zone:
            items.insert(0, ("availability_zone", agg.availability_zone))
        return [(created, None, None, None, agg.id, k, v, 0) for k, v in items]

    # ---- neutron ---------------------------------------------------------------------

    def agent(self, agent: Agent, configurations: str | None = None) -> Row:
        created = db_time(agent.created_at)
        conf = configurations or self.agent_configurations(agent)
        return (agent.id, agent.agent_type, agent.binary, agent.topic, agent.host,
                int(agent.admin_state_up), created, created, created, None, conf, 0,
                agent.availability_zone, None, 1)

    def agent_configurations(self, agent: Agent) -> str:
        return json.dumps(self.cloud.agent_configurations(agent.id), sort_keys=True)

    def vxlan_endpoint(self, agent: Agent) -> Row | None:
        """The `ml2_vxlan_endpoints` row an L2 agent registers, if it tunnels VXLAN."""
        conf = agent.configurations
        if "vxlan" not in conf.get("tunnel_types", ()) or not conf.get("tunneling_ip"):
            return None
        return (conf["tunneling_ip"], self.udp_port, agent.host)

    def network(self, net: Network) -> Row:
        return (net.project_id, net.id, net.name, net.status, int(net.admin_state_up), None,
                net.mtu, "")

    def segment(self, net: Network) -> Row:
        return (str(uuid.uuid5(_SEGMENT_NS, net.id)), net.id, net.network_type, net.physnet,
                net.segmentation_id, 0, 0, None)

    def subnet(self, sub: SubnetRecord) -> Row:
        return (sub.project_id, sub.id, sub.name, sub.network_id, sub.ip_version, sub.cidr,
                sub.gateway_ip, int(sub.enable_dhcp), None, None, None, None)

    def port(self, port: Port) -> Row:
        return (port.project_id, port.id, port.name, port.network_id, port.mac,
                int(port.admin_state_up), port.status, port.device_id, port.device_owner,
                "immediate")

    def ip_allocations(self, port: Port) -> list[Row]:
        return [(port.id, ip.ip_address, ip.subnet_id, port.network_id) for ip in port.fixed_ips]

    def binding(self, port: Port) -> Row:
        details = json.dumps(port.vif_details, sort_keys=True) if port.vif_details else ""
        return (port.id, port.host, port.vif_type, port.vnic_type, "{}" if port.host else "",
                details, "ACTIVE")

    def router(self, router: Router) -> Row:
        return (router.project_id, router.id, router.name, router.status,
                int(router.admin_state_up), router.gw_port_id, 1, None)

    # ---- keystone --------------------------------------------------------------------

    @staticmethod
    def default_domain() -> Row:
        return ("default", "Default", "{}", "The default domain", 1, DOMAIN_ROOT, None, 1)

    @staticmethod
    def project(project: Project) -> Row:
        return (project.id, project.name, "{}", project.description, int(project.enabled),
                project.domain_id, project.domain_id, 0)
