"""Nova's side of an API call's notifications: `NovaCall` holds one call's request id and
context and emits its messages in nova-api's, the conductor's and nova-compute's order
(boot, delete, rename, power, live and cold migration), with Neutron's port messages
where nova-compute calls Neutron. `sequences.Sequencer` picks the call.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from calipso.sim.amqp import neutron_views as nv
from calipso.sim.amqp import nova_payloads as npl
from calipso.sim.amqp.messages import (
    LEGACY_TOPIC,
    VERSIONED_TOPIC,
    Notification,
    fake_token,
    new_request_id,
    nova_context,
)
from calipso.sim.model import Port

if TYPE_CHECKING:
    from calipso.sim.amqp.sequences import Rendered, Sequencer


class NovaCall:
    """The messages of one Nova API call (one request id, one context)."""

    def __init__(self, seq: Sequencer, facts: npl.InstanceFacts) -> None:
        self.seq, self.facts = seq, facts
        inst = facts.inst
        self.user = seq.caller(inst.project_id, inst.user_id)
        self.request_id = new_request_id()
        self.ctx = nova_context(self.user, self.request_id, fake_token(), seq.controller_ip,
                                seq._catalog())
        self.out: list[Notification] = []

    def legacy(self, event: str, service: str, payload: dict[str, Any],
               host: str | None = None) -> None:
        """`host`: the compute host publishing, when it is not the instance's."""
        if self.seq.legacy:
            host = host or (self.facts.inst.host if service == "compute"
                            else self.seq.controller)
            self.out.append(Notification("nova", LEGACY_TOPIC, event, f"{service}.{host}",
                                         payload, self.ctx))

    def versioned(self, event: str, payload: dict[str, Any], host: str | None = None) -> None:
        if self.seq.versioned:
            self.out.append(Notification("nova", VERSIONED_TOPIC, event,
                                         f"nova-compute:{host or self.facts.inst.host}",
                                         payload, self.ctx))

    def update(self, service: str, state: str, old_state: str, new_task: str | None,
               old_task: str | None, host: str | None = None,
               facts: npl.InstanceFacts | None = None, **kwargs: Any) -> None:
        self.legacy("compute.instance.update", service, npl.legacy_update(
            facts or self.facts, state, old_state, new_task, old_task, **kwargs), host)

    def boot(self, ports: list[Rendered]) -> list[Notification]:
        f = self.facts
        self.update("api", "building", "building", "scheduling", "scheduling", scheduled=False)
        spec = npl.select_destinations(f)
        self.legacy("scheduler.select_destinations.start", "scheduler", spec)
        self.legacy("scheduler.select_destinations.end", "scheduler", spec)
        self.update("compute", "building", "building", None, "scheduling")
        self.legacy("compute.instance.create.start", "compute",
                    npl.legacy(f, "building") | {"image_name": f.image.name if f.image else ""})
        self.versioned("instance.create.start", npl.versioned(
            f, "building", create=True, request_id=self.request_id, with_ips=False))
        self.update("conductor", "building", "building", None, None)
        self.update("compute", "building", "building", "networking", "networking")
        for r in ports:
            self.out += self._port_boot(r)
        self.update("compute", "building", "building", "block_device_mapping", "networking")
        self.update("compute", "building", "building", "spawning", "block_device_mapping")
        self.update("compute", "active", "building", None, "spawning", launched=True)
        self.legacy("compute.instance.create.end", "compute", npl.legacy(
            f, "active", launched=True) | {"fixed_ips": npl.fixed_ips(f), "message": "Success"})
        self.versioned("instance.create.end", npl.versioned(
            f, "active", create=True, request_id=self.request_id))
        return self.out

    def _port_boot(self, r: Rendered) -> list[Notification]:
        """nova-compute creates the port bare (as the user), then binds it (as nova)."""
        port: Port = r.change.record
        view = r.view or {}
        created = self.seq.neutron(self.user, [
            ("port.create.start", {"port": nv.port_request(port, minimal=True)}),
            ("port.create.end", {"port": nv.unbound(view)})])
        bound = self.seq.neutron(self.seq.service_caller(), [
            ("port.update.start", {"port": nv.port_binding_request(port), "id": port.id}),
            ("port.update.end", {"port": view | {"status": "DOWN"}})])
        return created + bound

    def rename(self) -> list[Notification]:
        """`PUT /servers/{id}` with a new name: one update from the API service."""
        self.update("api", "active", "active", None, None, launched=True)
        self.versioned("instance.update", npl.versioned(
            self.facts, "active", create=False, request_id=self.request_id))
        return self.out

    def power(self) -> list[Notification]:
        """`os-stop` / `os-start`: power_off / power_on, with the state changes."""
        f = self.facts
        on = f.inst.status == "ACTIVE"
        action, task = ("power_on", "powering-on") if on else ("power_off", "powering-off")
        before, after = ("stopped", "active") if on else ("active", "stopped")
        self.update("api", before, before, task, None, launched=True)
        self.legacy(f"compute.instance.{action}.start", "compute",
                    npl.legacy(f, before, task=task, launched=True))
        self.versioned(f"instance.{action}.start", npl.versioned(
            f, before, create=False, request_id=self.request_id))
        self.update("compute", after, before, None, task, launched=True)
        self.legacy(f"compute.instance.{action}.end", "compute",
                    npl.legacy(f, after, launched=True))
        self.versioned(f"instance.{action}.end", npl.versioned(
            f, after, create=False, request_id=self.request_id))
        return self.out

    def live_migration(self, dest: npl.InstanceFacts,
                       ports: list[Rendered]) -> list[Notification]:
        """`os-migrateLive`, as nova-api, the conductor and both computes notify it
        (`self.facts`: the instance on its source host; `dest`: on the destination)."""
        f, there = self.facts, dest.inst.host
        self.update("api", "active", "active", "migrating", None, launched=True)
        spec = npl.select_destinations(f)
        self.legacy("scheduler.select_destinations.start", "scheduler", spec)
        self.legacy("scheduler.select_destinations.end", "scheduler", spec)

        def both(legacy_event: str, versioned_event: str, facts: npl.InstanceFacts,
                 host: str) -> None:
            self.legacy(f"compute.instance.live_migration.{legacy_event}", "compute",
                        npl.legacy(facts, "active", task="migrating", launched=True), host)
            self.versioned(f"instance.{versioned_event}", npl.versioned(
                facts, "active", create=False, request_id=self.request_id), host)

        for phase in ("start", "end"):  # on the destination, before the move
            both(f"pre.{phase}", f"live_migration_pre.{phase}", f, there)
        both("_post.start", "live_migration_post.start", f, f.inst.host)
        self._moved_ports(ports)  # the destination's bindings activated
        both("post.dest.start", "live_migration_post_dest.start", f, there)
        self.update("compute", "active", "active", None, "migrating", launched=True,
                    host=there, facts=dest)
        self.legacy("compute.instance.live_migration.post.dest.end", "compute",
                    npl.legacy(dest, "active", launched=True), there)
        self.versioned("instance.live_migration_post_dest.end", npl.versioned(
            dest, "active", create=False, request_id=self.request_id), there)
        both("_post.end", "live_migration_post.end", f, f.inst.host)
        return self.out

    def _moved_ports(self, ports: list[Rendered]) -> None:
        """Neutron's `port.update.*` of each port's binding moving (as nova)."""
        for r in ports:
            port: Port = r.change.record
            self.out += self.seq.neutron(self.seq.service_caller(), [
                ("port.update.start", {"port": {"binding:host_id": port.host}, "id": port.id}),
                ("port.update.end", {"port": r.view or {}})])

    def cold_migration(self, dest: npl.InstanceFacts,
                       ports: list[Rendered]) -> list[Notification]:
        """`migrate`: prep on the destination, the resize on the source (which records
        the new host), the ports' bindings and `finish_resize` on the destination; the
        instance waits in `resized` for `confirmResize`."""
        f, there, here = self.facts, dest.inst.host, self.facts.inst.host
        state = "active" if f.inst.status == "ACTIVE" else "stopped"

        def both(legacy_event: str, versioned_event: str, facts: npl.InstanceFacts,
                 host: str, vm_state: str = state) -> None:
            self.legacy(f"compute.instance.{legacy_event}", "compute",
                        npl.legacy(facts, vm_state, launched=True), host)
            self.versioned(f"instance.{versioned_event}", npl.versioned(
                facts, vm_state, create=False, request_id=self.request_id), host)

        self.update("api", state, state, "resize_prep", None, launched=True)
        spec = npl.select_destinations(f)
        self.legacy("scheduler.select_destinations.start", "scheduler", spec)
        self.legacy("scheduler.select_destinations.end", "scheduler", spec)
        both("resize.prep.start", "resize_prep.start", f, there)
        both("resize.prep.end", "resize_prep.end", f, there)
        self.update("compute", state, state, "resize_migrating", "resize_prep",
                    launched=True, host=here)
        both("resize.start", "resize.start", f, here)
        self.update("compute", state, state, "resize_migrated", "resize_migrating",
                    launched=True, host=here, facts=dest)
        both("resize.end", "resize.end", dest, here)
        self._moved_ports(ports)
        self.update("compute", state, state, "resize_finish", "resize_migrated",
                    launched=True, host=there, facts=dest)
        both("finish_resize.start", "resize_finish.start", dest, there)
        self.update("compute", "resized", state, None, "resize_finish", launched=True,
                    host=there, facts=dest)
        both("finish_resize.end", "resize_finish.end", dest, there, "resized")
        return self.out

    def confirm_resize(self, source: str) -> list[Notification]:
        """`confirmResize`: the source cleans up and the instance is itself again."""
        f = self.facts
        state = "active" if f.inst.status == "ACTIVE" else "stopped"
        for phase in ("start", "end"):
            if phase == "end":
                self.update("compute", state, "resized", None, None, launched=True,
                            host=source)
            self.legacy(f"compute.instance.resize.confirm.{phase}", "compute",
                        npl.legacy(f, "resized" if phase == "start" else state,
                                   launched=True), source)
            self.versioned(f"instance.resize_confirm.{phase}", npl.versioned(
                f, "resized" if phase == "start" else state, create=False,
                request_id=self.request_id), source)
        return self.out

    def delete(self, ports: list[Rendered]) -> list[Notification]:
        f = self.facts
        ended = datetime.now(UTC)
        self.update("api", "active", "active", "deleting", None)
        for event in ("delete.start", "shutdown.start"):
            self.legacy(f"compute.instance.{event}", "compute",
                        npl.legacy(f, "active", task="deleting", launched=True))
            self.versioned(f"instance.{event}", npl.versioned(
                f, "active", create=False, request_id=self.request_id))
        for r in ports:
            port: Port = r.change.record
            self.out += self.seq.neutron(self.user, [
                ("port.delete.start", {"port_id": port.id}),
                ("port.delete.end", {"port_id": port.id, "port": r.view or {}})])
        self.legacy("compute.instance.shutdown.end", "compute",
                    npl.legacy(f, "active", task="deleting", launched=True))
        self.versioned("instance.shutdown.end", npl.versioned(
            f, "active", create=False, request_id=self.request_id, with_ips=False))
        self.update("compute", "deleted", "active", None, None, launched=True, ended=ended)
        self.legacy("compute.instance.delete.end", "compute",
                    npl.legacy(f, "deleted", launched=True, ended=ended))
        self.versioned("instance.delete.end", npl.versioned(
            f, "deleted", create=False, request_id=self.request_id, ended=ended,
            with_ips=False))
        return self.out
