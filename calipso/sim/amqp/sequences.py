"""Which notifications an API call publishes, and in what order (no I/O).

`Renderer.render(change)` runs inside the synchronous feed listener and captures what a
payload needs while the cloud is at that change's version (the API view, a port's network
name). `Sequencer.notifications(op, group)` then turns one call's rendered changes (same
`Change.op_id`) into the messages Nova and Neutron publish for it:

- Neutron API calls: `<resource>.create|update|delete.start/.end`; router interfaces
  `router.interface.create|delete`; gateway changes are `router.update.*`.
- Ports that agents or the L3 plugin make (DHCP ports, router interface and gateway
  ports) publish nothing of their own, as in real clouds.
- A boot and a delete publish Nova's legacy sequence (and/or the versioned one) with
  Neutron's port notifications interleaved where nova-compute calls Neutron.
- A live migration publishes, in nova-compute's order: the API's update (task
  `migrating`), the scheduler's, `live_migration.pre.start/.end` from the destination,
  `live_migration._post.start` from the source, Neutron's `port.update.start/.end` of
  each port's binding moving to the destination (the source activates the destination's
  bindings there), `live_migration.post.dest.start`, the update recording the new host
  and `live_migration.post.dest.end` from the destination, then `_post.end` from the
  source (versioned: `instance.live_migration_pre|post|post_dest.start/.end`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from calipso.sim.amqp import neutron_views as nv
from calipso.sim.amqp import nova_payloads as npl
from calipso.sim.amqp.messages import (
    LEGACY_TOPIC,
    VERSIONED_TOPIC,
    Caller,
    Notification,
    fake_token,
    neutron_context,
    new_request_id,
    nova_context,
)
from calipso.sim.amqp.nova_calls import NovaCall
from calipso.sim.api import neutron_views as api_views
from calipso.sim.api.nova_views import service_uuid
from calipso.sim.cloud import Change, Cloud
from calipso.sim.model import OWNER_ROUTER_INTERFACE, Instance, Router
from calipso.sim.views import service_zone


@dataclass(frozen=True, slots=True)
class Rendered:
    change: Change
    view: dict[str, Any] | None  # the Neutron API view at that version
    network_name: str = ""  # ports: their network's name (Nova's `label`)


class Renderer:
    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud

    def render(self, change: Change) -> Rendered:
        rec = change.record
        if change.kind == "network":
            return Rendered(change, nv.network_view(rec))
        if change.kind == "subnet":
            return Rendered(change, nv.subnet_view(rec))
        if change.kind == "port":
            net = self.cloud.networks.get(rec.network_id)
            # the port as the API shows it, as neutron-server notifies it
            return Rendered(change, api_views.port_view(self.cloud, rec),
                            net.name if net else "")
        if change.kind == "router":
            gw = self.cloud.ports.get(rec.gw_port_id) if rec.gw_port_id else None
            return Rendered(change, nv.router_view(rec, gw))
        if change.kind == "agent":
            return Rendered(change, api_views.agent_view(self.cloud, rec))
        if change.kind == "service":
            host = self.cloud.hosts[rec.host]
            return Rendered(change, npl.service_status(
                rec, service_zone(host, rec.binary), service_uuid(host, rec.binary)))
        return Rendered(change, None)


# Neutron calls that publish `<kind>.<action>.start/.end`: (kind, action, request body)
_CRUD: dict[str, tuple[str, str, Callable[[Any], dict[str, Any]] | None]] = {
    "create_network": ("network", "create", nv.network_request),
    "delete_network": ("network", "delete", None),
    "update_network": ("network", "update", nv.network_update_request),
    "create_subnet": ("subnet", "create", nv.subnet_request),
    "update_subnet": ("subnet", "update", nv.subnet_update_request),
    "delete_subnet": ("subnet", "delete", None),
    "create_port": ("port", "create", nv.port_request),
    "bind_port": ("port", "update", nv.port_binding_request),
    "rename_port": ("port", "update", lambda port: {"name": port.name}),
    "delete_port": ("port", "delete", None),
    "create_router": ("router", "create", nv.router_request),
    "set_router_gateway": ("router", "update", nv.router_gateway_request),
    "clear_router_gateway": ("router", "update", nv.router_gateway_request),
    "update_router": ("router", "update", nv.router_update_request),
    "delete_router": ("router", "delete", None),
    # an admin's `PUT` / `DELETE /v2.0/agents/{id}` (a heartbeat that stops sends nothing)
    "update_agent": ("agent", "update", nv.agent_request),
    "delete_agent": ("agent", "delete", None),
}


class Sequencer:
    """Per-call notification sequences for one cloud."""

    def __init__(self, cloud: Cloud, *, legacy: bool = True, versioned: bool = False) -> None:
        self.cloud = cloud
        self.legacy = legacy
        self.versioned = versioned
        controllers = [h for h in cloud.hosts.values() if "controller" in h.roles]
        ctrl = controllers[0] if controllers else next(iter(cloud.hosts.values()))
        self.controller, self.controller_ip = ctrl.name, ctrl.ip
        users = {u.name: u for u in cloud.users.values()}
        self.admin = users.get("admin") or next(iter(cloud.users.values()))
        self.nova_user = users.get("nova", self.admin)

    # ---- callers and contexts --------------------------------------------------------

    def caller(self, project_id: str, user_id: str | None = None) -> Caller:
        user = self.cloud.users.get(user_id or "", self.admin)
        project = self.cloud.projects.get(project_id) or self.cloud.projects[user.project_id]
        return Caller(user.id, user.name, project.id, project.name)

    def service_caller(self) -> Caller:
        user = self.nova_user
        project = self.cloud.projects[user.project_id]
        return Caller(user.id, user.name, project.id, project.name, ("admin", "service"))

    def _catalog(self) -> list[dict[str, Any]]:
        """Nova keeps the services it calls (network, image, placement) in its context."""
        out = []
        region = next(iter(self.cloud.regions), "RegionOne")
        for svc in self.cloud.catalog.values():
            if svc.type not in ("network", "image", "placement"):
                continue
            urls = {i: self.cloud.endpoint_urls.get((svc.name, i), "")
                    for i in ("public", "internal", "admin")}
            out.append({"endpoints": [{"adminURL": urls["admin"], "region": region,
                                       "id": dict(svc.endpoint_ids).get("public", ""),
                                       "internalURL": urls["internal"],
                                       "publicURL": urls["public"]}],
                        "endpoints_links": [], "type": svc.type, "name": svc.name})
        return out

    def neutron(self, caller: Caller, pairs: list[tuple[str, dict[str, Any]]]) -> list[
            Notification]:
        """One Neutron API call: its events share a request id and a context."""
        ctx = neutron_context(caller, new_request_id(), fake_token())
        return [Notification("neutron", LEGACY_TOPIC, event, f"network.{self.controller}",
                             payload, ctx) for event, payload in pairs]

    # ---- dispatch --------------------------------------------------------------------

    def notifications(self, op: str, group: list[Rendered]) -> list[Notification]:
        if op in _CRUD:
            kind, action, request = _CRUD[op]
            return self._crud(group, kind, action, request)
        handler = getattr(self, f"_op_{op}", None)
        return handler(group) if handler else []

    @staticmethod
    def _last(group: list[Rendered], kind: str, action: str | None = None) -> Rendered | None:
        for r in reversed(group):
            if r.change.kind == kind and (action is None or r.change.action == action):
                return r
        return None

    def _crud(self, group: list[Rendered], kind: str, action: str,
              request: Callable[[Any], dict[str, Any]] | None) -> list[Notification]:
        """`<kind>.<create|update|delete>.start/.end` for the last `kind` change."""
        r = self._last(group, kind)
        if r is None or r.view is None:
            return []
        rec, view = r.change.record, r.view
        body = request(rec) if request else {}
        if action == "create":
            pairs = [(f"{kind}.create.start", {kind: body}), (f"{kind}.create.end", {kind: view})]
        elif action == "update":
            pairs = [(f"{kind}.update.start", {kind: body, "id": rec.id}),
                     (f"{kind}.update.end", {kind: view})]
        else:
            pairs = [(f"{kind}.delete.start", {f"{kind}_id": rec.id}),
                     (f"{kind}.delete.end", {f"{kind}_id": rec.id, kind: view})]
        return self.neutron(self.caller(getattr(rec, "project_id", "")), pairs)

    # ---- Neutron API calls beyond create/update/delete -------------------------------

    def _interface(self, group: list[Rendered], event: str) -> list[Notification]:
        port = next((r.change.record for r in group if r.change.kind == "port"
                     and r.change.record.device_owner == OWNER_ROUTER_INTERFACE), None)
        if port is None:
            return []
        router: Router | None = self.cloud.routers.get(port.device_id)
        rendered = self._last(group, "router")
        project = (rendered.change.record.project_id if rendered
                   else router.project_id if router else port.project_id)
        return self.neutron(self.caller(project), [
            (event, {"router_interface": nv.router_interface(port, project)})])

    def _op_add_router_interface(self, group: list[Rendered]) -> list[Notification]:
        return self._interface(group, "router.interface.create")

    def _op_remove_router_interface(self, group: list[Rendered]) -> list[Notification]:
        return self._interface(group, "router.interface.delete")

    # ---- Nova: services --------------------------------------------------------------

    def _op_update_service(self, group: list[Rendered]) -> list[Notification]:
        """`PUT /os-services`: the service object's save publishes the versioned
        `service.update` (Nova has no legacy one), its publisher the service itself."""
        r = self._last(group, "service")
        if r is None or r.view is None or not self.versioned:
            return []
        state = r.change.record
        ctx = nova_context(self.caller(self.admin.project_id), new_request_id(),
                           fake_token(), self.controller_ip, self._catalog())
        return [Notification("nova", VERSIONED_TOPIC, "service.update",
                             f"{state.binary}:{state.host}", r.view, ctx)]

    # ---- Nova: boot and delete -------------------------------------------------------

    def _facts(self, inst: Instance, ports: list[Rendered],
               before: bool = False) -> npl.InstanceFacts:
        """`before`: the ports as they were before the call (a move's source side)."""
        url = self.cloud.endpoint_urls.get(("glance", "public"),
                                           f"http://{self.controller_ip}:9292")
        return npl.InstanceFacts(
            inst, self.cloud.flavors.get(inst.flavor_id), self.cloud.images.get(inst.image_id),
            url, tuple(((r.change.previous if before else None) or r.change.record,
                        r.network_name) for r in ports))

    def _op_create_instance(self, group: list[Rendered]) -> list[Notification]:
        inst_r = self._last(group, "instance", "create")
        if inst_r is None:  # a boot that failed and was rolled back
            return []
        ports = [r for r in group if r.change.kind == "port" and r.change.action == "create"]
        return NovaCall(self, self._facts(inst_r.change.record, ports)).boot(ports)

    def _op_delete_instance(self, group: list[Rendered]) -> list[Notification]:
        inst_r = self._last(group, "instance", "delete")
        if inst_r is None:
            return []
        ports = [r for r in group if r.change.kind == "port" and r.change.action == "delete"]
        return NovaCall(self, self._facts(inst_r.change.record, ports)).delete(ports)


    def _op_rename_instance(self, group: list[Rendered]) -> list[Notification]:
        inst_r = self._last(group, "instance", "update")
        if inst_r is None:
            return []
        return NovaCall(self, self._facts(inst_r.change.record, [])).rename()

    def _op_set_instance_power(self, group: list[Rendered]) -> list[Notification]:
        inst_r = self._last(group, "instance", "update")
        if inst_r is None:
            return []
        return NovaCall(self, self._facts(inst_r.change.record, [])).power()

    def _op_live_migrate_instance(self, group: list[Rendered]) -> list[Notification]:
        inst_r = self._last(group, "instance", "update")
        if inst_r is None or inst_r.change.previous is None:
            return []
        ports = [r for r in group if r.change.kind == "port"]
        source = self._facts(inst_r.change.previous, ports, before=True)
        dest = self._facts(inst_r.change.record, ports)
        return NovaCall(self, source).live_migration(dest, ports)

    def _op_migrate_instance(self, group: list[Rendered]) -> list[Notification]:
        inst_r = self._last(group, "instance", "update")
        if inst_r is None or inst_r.change.previous is None:
            return []
        ports = [r for r in group if r.change.kind == "port"]
        source = self._facts(inst_r.change.previous, ports, before=True)
        return NovaCall(self, source).cold_migration(self._facts(inst_r.change.record, ports),
                                                      ports)

    def _op_confirm_resize(self, group: list[Rendered]) -> list[Notification]:
        inst_r = self._last(group, "instance", "update")
        if inst_r is None or inst_r.change.previous is None:
            return []
        return NovaCall(self, self._facts(inst_r.change.record, [])).confirm_resize(
            inst_r.change.previous.migration_source)
