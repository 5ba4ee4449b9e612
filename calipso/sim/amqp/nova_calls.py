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
        f, here, there = self.facts, self.facts.inst.host, dest.inst.host
        self._scheduled("active", "migrating")
        live = "live_migration"
        for phase in ("start", "end"):  # on the destination, before the move
            self.phase(f"{live}.pre.{phase}", f"{live}_pre.{phase}", f, there, "active",
                       "migrating")
        self.phase(f"{live}._post.start", f"{live}_post.start", f, here, "active", "migrating")
        self._moved_ports(ports)  # the destination's bindings activated
        self.phase(f"{live}.post.dest.start", f"{live}_post_dest.start", f, there, "active",
                   "migrating")
        self.update("compute", "active", "active", None, "migrating", launched=True,
                    host=there, facts=dest)
        self.phase(f"{live}.post.dest.end", f"{live}_post_dest.end", dest, there, "active")
        self.phase(f"{live}._post.end", f"{live}_post.end", f, here, "active", "migrating")
        return self.out

    def phase(self, legacy_event: str, versioned_event: str, facts: npl.InstanceFacts,
              host: str, state: str, task: str | None = None) -> None:
        """`compute.instance.<legacy_event>` and `instance.<versioned_event>` from `host`."""
        self.legacy(f"compute.instance.{legacy_event}", "compute",
                    npl.legacy(facts, state, task=task, launched=True), host)
        self.versioned(f"instance.{versioned_event}", npl.versioned(
            facts, state, create=False, request_id=self.request_id), host)

    def _scheduled(self, state: str, task: str) -> None:
        """nova-api's update (the task set) and the scheduler's pick of a destination."""
        self.update("api", state, state, task, None, launched=True)
        spec = npl.select_destinations(self.facts)
        self.legacy("scheduler.select_destinations.start", "scheduler", spec)
        self.legacy("scheduler.select_destinations.end", "scheduler", spec)

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
        self._scheduled(state, "resize_prep")
        self.phase("resize.prep.start", "resize_prep.start", f, there, state, "resize_prep")
        self.phase("resize.prep.end", "resize_prep.end", f, there, state, "resize_prep")
        self.update("compute", state, state, "resize_migrating", "resize_prep",
                    launched=True, host=here)
        self.phase("resize.start", "resize.start", f, here, state, "resize_migrating")
        self.update("compute", state, state, "resize_migrated", "resize_migrating",
                    launched=True, host=here, facts=dest)
        self.phase("resize.end", "resize.end", dest, here, state, "resize_migrated")
        self._moved_ports(ports)
        self.update("compute", state, state, "resize_finish", "resize_migrated",
                    launched=True, host=there, facts=dest)
        self.phase("finish_resize.start", "resize_finish.start", dest, there, state,
                   "resize_finish")
        self.update("compute", "resized", state, None, "resize_finish", launched=True,
                    host=there, facts=dest)
        self.phase("finish_resize.end", "resize_finish.end", dest, there, "resized")
        return self.out

    def confirm_resize(self, source: str) -> list[Notification]:
        """`confirmResize`: the source cleans up and the instance is itself again."""
        f = self.facts
        state = "active" if f.inst.status == "ACTIVE" else "stopped"
        self.phase("resize.confirm.start", "resize_confirm.start", f, source, "resized")
        self.update("compute", state, "resized", None, None, launched=True, host=source)
        self.phase("resize.confirm.end", "resize_confirm.end", f, source, state)
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
