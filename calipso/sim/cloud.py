"""The simulated cloud: every record, its indexes, and the mutations channels call.

`Cloud` is the one mutable object of the simulator. Records (see `model`) are frozen; a
mutation replaces them and keeps every index and allocation consistent, then tells the
listeners (`subscribe`) one `Change` per record created, updated or deleted, in order.
Lookups, indexes and the change feed live in `cloud_index.CloudIndex`; the mutations of
networks, subnets, ports and routers in `cloud_neutron.NeutronCloud`; instances here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from calipso.errors import Conflict, InvalidInput
from calipso.sim import cloud_ops, cloud_updates
from calipso.sim.cloud_agents import CloudAgents
from calipso.sim.cloud_index import Change, HostAlloc, Listener, operation
from calipso.sim.cloud_neutron import NeutronCloud
from calipso.sim.model import OWNER_COMPUTE, Instance, Port

__all__ = ["Change", "Cloud", "HostAlloc", "Listener"]


class Cloud(NeutronCloud, CloudAgents):
    """A simulated cloud: `CloudIndex` plus the mutations the API channel calls (those
    of networks, subnets and ports in `NeutronCloud`, of agents and Nova services in
    `CloudAgents`)."""

    # ---- instances -------------------------------------------------------------------

    @operation
    def create_instance(
        self, name: str, project_id: str, network_ids: Iterable[str], *, host: str | None = None,
        flavor_id: str | None = None, image_id: str | None = None, user_id: str | None = None,
        instance_id: str | None = None,
    ) -> Instance:
        """Boot an instance: one bound port per network, a libvirt domain on `host`."""
        self._get(self.projects, "project", project_id)
        nets = [self.network(n) for n in network_ids]
        if not nets:
            raise InvalidInput("an instance needs at least one network", field="networks")
        for net in nets:
            if not net.subnet_ids:
                raise Conflict(f"network {net.id} has no subnet", field="networks")
        host_rec = self.host(host) if host else cloud_ops.least_loaded_compute(
            self, self.region_of_network(nets[0].id))  # a compute of the networks' region
        if not host_rec.is_compute:
            raise InvalidInput(f"host {host_rec.name} is not a compute host", field="host")
        uuid_ = instance_id or self.new_uuid()
        if uuid_ in self.instances:
            raise Conflict(f"instance {uuid_} exists", field="id")
        ports: list[Port] = []
        try:
            for net in nets:
                ports.append(self.create_port(net.id, device_owner=OWNER_COMPUTE,
                                              device_id=uuid_, host=host_rec.name,
                                              project_id=project_id))
        except Exception:
            for port in ports:  # a failed boot leaves no ports behind
                self.delete_port(port.id)
            raise
        alloc = self.alloc[host_rec.name]
        inst = Instance(
            uuid=uuid_, name=name, db_id=self._next_instance_db_id,
            domain_id=alloc.next_domain, host=host_rec.name, project_id=project_id,
            user_id=user_id or next(iter(self.users)),
            flavor_id=flavor_id or next(iter(self.flavors)),
            image_id=image_id or next(iter(self.images)),
            port_ids=tuple(p.id for p in ports), availability_zone=host_rec.availability_zone,
        )
        self._next_instance_db_id += 1
        alloc.next_domain += 1
        self.instances[uuid_] = inst
        self._instances_by_host.setdefault(inst.host, {})[uuid_] = None
        self._emit("create", "instance", uuid_, inst)
        return inst

    @operation
    def delete_instance(self, uuid_: str) -> None:
        inst = self.instance(uuid_)
        for port_id in inst.port_ids:
            if port_id in self.ports:
                self.delete_port(port_id)
        inst = self.instances.pop(uuid_)
        self._instances_by_host[inst.host].pop(uuid_, None)
        self._emit("delete", "instance", uuid_, inst)

    @operation
    def rename_instance(self, uuid_: str, name: str) -> Instance:
        inst = self.instance(uuid_)
        if not name.strip():
            raise InvalidInput("Invalid input for field/attribute name.", field="name")
        return self._replace_instance(replace(inst, name=name))

    @operation
    def set_instance_power(self, uuid_: str, on: bool) -> Instance:
        """Start (`on`) or stop an instance, as `os-start` / `os-stop` do."""
        inst = self.instance(uuid_)
        status, power_state = ("ACTIVE", 1) if on else ("SHUTOFF", 4)
        if inst.status not in ("ACTIVE", "SHUTOFF"):
            raise Conflict(f"Cannot 'os-{'start' if on else 'stop'}' instance {uuid_} while "
                           f"it is in vm_state {inst.status.lower()}", field="server_id")
        if inst.status == status:
            raise Conflict(f"instance {uuid_} is already {status}", field="server_id")
        return self._replace_instance(replace(inst, status=status, power_state=power_state))

    @operation
    def live_migrate_instance(self, uuid_: str, host: str | None = None) -> Instance:
        """Nova's `os-migrateLive`: the instance, its ports' bindings and its libvirt
        domain move to `host` (default: the least loaded other compute of its region)."""
        inst = self.instance(uuid_)
        dest = cloud_updates.migration_target(self, inst, host, "os-migrateLive")
        return cloud_updates.move_instance(self, inst, dest)

    @operation
    def migrate_instance(self, uuid_: str, host: str | None = None) -> Instance:
        """Nova's `migrate` (cold): moved as a live migration does, then VERIFY_RESIZE
        until `confirm_resize` (a stopped instance stays stopped)."""
        inst = self.instance(uuid_)
        dest = cloud_updates.migration_target(self, inst, host, "migrate")
        return cloud_updates.move_instance(self, inst, dest, status="VERIFY_RESIZE",
                                           migration_source=inst.host)

    @operation
    def confirm_resize(self, uuid_: str) -> Instance:
        """Nova's `confirmResize`: ACTIVE again (SHUTOFF if it was stopped)."""
        inst = self.instance(uuid_)
        if inst.status != "VERIFY_RESIZE":
            raise Conflict(f"Instance {uuid_} is in vm_state {inst.status.lower()}, not "
                           "resized", field="server_id")
        return self._replace_instance(replace(
            inst, status="ACTIVE" if inst.power_state == 1 else "SHUTOFF",
            migration_source=""), previous=inst)

    def _replace_instance(self, inst: Instance, previous: Instance | None = None) -> Instance:
        self.instances[inst.uuid] = inst
        self._emit("update", "instance", inst.uuid, inst, previous)
        return inst
