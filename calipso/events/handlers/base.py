"""The shapes of Calipso's own handlers: each names what its event asks to re-read
(``Targets``) and ``refresh.apply`` does the work, so an event writes what a scan would.

A handler module of ``config/events.json`` holds one class named after it (the seed's
rule); most are one of the shapes below under the event's own name.
"""

from __future__ import annotations

from typing import Any

from calipso.env_config import EnvironmentConfig
from calipso.events.direct import Known, PortChange, apply_ports, port_change, port_mentions
from calipso.events.envelope import Notification
from calipso.events.liveness import check_liveness, record_transitions
from calipso.events.payloads import (
    AgentPayload,
    InstancePayload,
    InterfacePayload,
    NetworkPayload,
    PortPayload,
    RouterPayload,
    SubnetPayload,
    instance_payload,
    resource_payload,
    service_payload,
)
from calipso.events.refresh import Targets, apply
from calipso.events.result import EventHandler, EventResult

Doc = dict[str, Any]
# instance states of a boot in progress: nothing on the host to read yet
NOT_YET = frozenset({"building", "scheduling", "networking", "spawning"})


class RefreshEvent(EventHandler):
    """Re-reads what ``targets`` names; a ``EventResult`` from ``targets`` ends early."""

    async def targets(self, env: EnvironmentConfig,
                      notification: Notification) -> Targets | EventResult:
        raise NotImplementedError

    def mentions(self, notification: Notification) -> list[str]:
        """The stored objects ``direct`` reads (read together for a batch of events)."""
        return []

    async def direct(self, env: EnvironmentConfig, notification: Notification,
                     known: Known) -> PortChange | None:
        """The event's database-only change, when it has one (``events/direct.py``):
        then nothing is re-read."""
        return None

    async def handle(self, env: EnvironmentConfig, notification: Notification) -> EventResult:
        known = Known(self.services, env)
        await known.load(self.mentions(notification))
        change = await self.direct(env, notification, known)
        if change is not None:
            applied = await apply_ports(self.services, env, [change], notification.event_type,
                                        known)
            return EventResult(True, related_object=self.related(notification),
                               changed=applied.counts())
        targets = await self.targets(env, notification)
        if isinstance(targets, EventResult):
            return targets
        applied = await apply(self.services, env, targets, notification.event_type)
        failed = "; ".join(f"{f.source} {f.target}: {f.error}" for f in applied.failures[:5])
        return EventResult(True, message=f"could not read: {failed}" if failed else None,
                           related_object=self.related(notification),
                           changed=applied.counts())

    def related(self, notification: Notification) -> str | None:
        return None

    async def stored(self, env: EnvironmentConfig, object_id: str | None) -> Doc | None:
        if not object_id:
            return None
        return await self.services.db.inventory.find_one(
            {"environment": env.name, "id": object_id}, {"_id": 0})

    async def stored_ports(self, env: EnvironmentConfig, query: Doc) -> list[Doc]:
        return await self.services.db.inventory.find(
            {"environment": env.name, "type": "port", **query}, {"_id": 0}).to_list(None)

    async def hosts_of_network(self, env: EnvironmentConfig, network: str) -> set[str]:
        """The hosts where the stored ports of ``network`` are bound."""
        return {str(p["binding:host_id"]) for p in await self.stored_ports(
            env, {"network_id": network}) if p.get("binding:host_id")}


class InstanceEvent(RefreshEvent):
    """An instance's host (and the hosts of its networks) re-read: the instance, its
    vNICs, bridges, vEdge ports and agents as a scan of that host finds them."""

    # a payload's host missing or not yet in the inventory: try again later
    retry_unknown_host = True

    def related(self, notification: Notification) -> str | None:
        return instance_payload(notification).instance_id

    async def targets(self, env: EnvironmentConfig,
                      notification: Notification) -> Targets | EventResult:
        payload = instance_payload(notification)
        known = await self.stored(env, payload.instance_id)
        if known is None and payload.state in NOT_YET:
            return EventResult(True, message="instance not built yet",
                               related_object=payload.instance_id)
        hosts = {h for h in (payload.host, (known or {}).get("host")) if h}
        if not hosts:
            return EventResult(True, message="instance not on a host",
                               related_object=payload.instance_id)
        for host in hosts:
            if await self.stored(env, host) is None and self.retry_unknown_host:
                return EventResult(False, retry=True, message=f"host {host} not known yet",
                                   related_object=payload.instance_id)
        return Targets(devices=self.devices(payload, hosts), instance_hosts=hosts)

    def devices(self, payload: InstancePayload, hosts: set[str]) -> set[str]:
        """The instances whose own ports are re-read (and with them where their networks
        are: a host joining or leaving a network is re-read whole)."""
        return {payload.instance_id}


class InstanceChange(InstanceEvent):
    """An update of an instance seen before only re-reads its part of its host (its
    ports too when it moved); an unknown one being built waits for its create.end."""

    def devices(self, payload: InstancePayload, hosts: set[str]) -> set[str]:
        return {payload.instance_id} if len(hosts) > 1 else set()


class NetworkEvent(RefreshEvent):
    """A network (with its folders and ports) re-read, and the hosts where it is."""

    # what hosts show of the network may have changed (its name in DHCP vServices,
    # instances' network_info and link names; its subnets in network_info): re-read
    # every host where it has a port, not only when its set of hosts changed
    everywhere = False

    def related(self, notification: Notification) -> str | None:
        return resource_payload(notification, "network", NetworkPayload).id

    async def targets(self, env: EnvironmentConfig,
                      notification: Notification) -> Targets | EventResult:
        network = resource_payload(notification, "network", NetworkPayload).id
        hosts = await self.hosts_of_network(env, network) if self.everywhere else set()
        return Targets(networks={network}, hosts=hosts)


class SubnetEvent(RefreshEvent):
    """A subnet's network re-read (its cidrs and subnets, the DHCP port the agent
    made or removed) and the hosts where it is."""

    everywhere = False  # as ``NetworkEvent.everywhere``: its gateway, DNS, DHCP server

    def related(self, notification: Notification) -> str | None:
        return resource_payload(notification, "subnet", SubnetPayload).id

    async def targets(self, env: EnvironmentConfig,
                      notification: Notification) -> Targets | EventResult:
        subnet = resource_payload(notification, "subnet", SubnetPayload)
        network = subnet.network_id
        if network is None:
            holder = await self.services.db.inventory.find_one(
                {"environment": env.name, "type": "network", "subnet_ids": subnet.id},
                {"id": 1})
            if holder is None:
                return EventResult(True, message="subnet of no known network",
                                   related_object=subnet.id)
            network = holder["id"]
        hosts = await self.hosts_of_network(env, network) if self.everywhere else set()
        return Targets(networks={network}, hosts=hosts)


class PortEvent(RefreshEvent):
    """A port re-read with its network, on the hosts it was and is bound to; a port no
    host sees, before and after, written from its payload alone."""

    def related(self, notification: Notification) -> str | None:
        return resource_payload(notification, "port", PortPayload).id

    def mentions(self, notification: Notification) -> list[str]:
        return port_mentions(notification.payload)

    async def direct(self, env: EnvironmentConfig, notification: Notification,
                     known: Known) -> PortChange | None:
        port = resource_payload(notification, "port", PortPayload)
        return await port_change(known, notification.event_type, port.id,
                                 notification.payload)

    async def targets(self, env: EnvironmentConfig,
                      notification: Notification) -> Targets | EventResult:
        port = resource_payload(notification, "port", PortPayload)
        known = await self.stored(env, port.id) or {}
        network = port.network_id or known.get("network_id")
        if network is None:
            return EventResult(True, message="port of no known network",
                               related_object=port.id)
        hosts = {h for h in (port.host, known.get("binding:host_id")) if h}
        device = port.device_id or ""
        if (port.device_owner or "").startswith("compute:") and device \
                and known.get("device_id", device) == device:
            # an instance's port: its ports and its part of the hosts, as for the instance
            return Targets(devices={device}, instance_hosts=hosts)
        return Targets(networks={str(network)}, hosts=hosts)


class RouterEvent(RefreshEvent):
    """A router's networks re-read and the network hosts (its namespace and ports)."""

    def related(self, notification: Notification) -> str | None:
        return resource_payload(notification, "router", RouterPayload).id

    async def targets(self, env: EnvironmentConfig,
                      notification: Notification) -> Targets | EventResult:
        router = resource_payload(notification, "router", RouterPayload)
        networks = {str(p["network_id"]) for p in await self.stored_ports(
            env, {"device_id": router.id})}
        gateway = router.external_gateway_info
        if gateway is not None and gateway.network_id:
            networks.add(gateway.network_id)
        return Targets(networks=networks, network_hosts=True)


class InterfaceEvent(RefreshEvent):
    """A router interface's network re-read and the network hosts."""

    def related(self, notification: Notification) -> str | None:
        return resource_payload(notification, "router_interface", InterfacePayload).id

    async def targets(self, env: EnvironmentConfig,
                      notification: Notification) -> Targets | EventResult:
        interface = resource_payload(notification, "router_interface", InterfacePayload)
        networks = {interface.network_id} if interface.network_id else set()
        if interface.port_id:
            known = await self.stored(env, interface.port_id)
            if known is not None:
                networks.add(str(known["network_id"]))
        return Targets(networks=networks, network_hosts=True)


class LivenessEvent(EventHandler):
    """An agent or a Nova service an admin changed: its host's agents, vEdge, services
    and zone re-read from the listings (``liveness.py``), each agent or service that went
    down or up recorded in ``messages``."""

    async def hosts(self, env: EnvironmentConfig, notification: Notification) -> set[str]:
        raise NotImplementedError

    async def handle(self, env: EnvironmentConfig, notification: Notification) -> EventResult:
        hosts = await self.hosts(env, notification)
        known = {h for h in hosts if await self.known_host(env, h)}
        if not known:
            return EventResult(True, message=f"host {', '.join(sorted(hosts)) or '?'} not "
                               "in the inventory: left to a scan",
                               related_object=next(iter(sorted(hosts)), None))
        found = await check_liveness(self.services, env, notification.event_type, known)
        await record_transitions(self.services, env, found, "event", notification.event_type)
        failed = "; ".join(f"{f.source} {f.target}: {f.error}"
                           for f in found.applied.failures[:5])
        return EventResult(True, message=f"could not read: {failed}" if failed else None,
                           related_object=sorted(known)[0],
                           changed=found.applied.counts())

    async def known_host(self, env: EnvironmentConfig, host: str) -> bool:
        return await self.services.db.inventory.find_one(
            {"environment": env.name, "id": host}, {"type": 1}) is not None


class AgentEvent(LivenessEvent):
    """``agent.update.end`` (admin_state_up, description), ``agent.delete.end``."""

    async def hosts(self, env: EnvironmentConfig, notification: Notification) -> set[str]:
        agent = resource_payload(notification, "agent", AgentPayload)
        if agent.host:
            return {agent.host}
        # a delete's payload without the agent's view: the stored agent says where it was
        async for doc in self.services.db.inventory.find(
                {"environment": env.name, "type": "network_agent"},
                {"agent_id": 1, "host": 1}):
            if doc.get("agent_id") == agent.id and doc.get("host"):
                return {str(doc["host"])}
        return set()


class ServiceEvent(LivenessEvent):
    """Nova's versioned ``service.create``, ``.update`` (disabled, forced down),
    ``.delete``."""

    async def hosts(self, env: EnvironmentConfig, notification: Notification) -> set[str]:
        return {service_payload(notification).host}
