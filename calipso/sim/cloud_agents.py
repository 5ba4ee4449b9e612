"""Mutations of Neutron agents and Nova services: what an admin changes through the APIs
(`PUT /v2.0/agents/{id}`, `DELETE /v2.0/agents/{id}`, `PUT /os-services/{id}`) and what a
dead process does to its heartbeat (`set_heartbeats`, from the SSH hosts' breakage).

Agents are records (`model.Agent`), replaced on change; Nova services are implicit (a
host's roles say which run there, `views.nova_services`) with a `ServiceState` where
they are not enabled and up. Changes are `agent` and `service` records of the feed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from calipso.errors import NotFound
from calipso.sim.cloud_index import CloudIndex, operation
from calipso.sim.model import Agent, ServiceState, nova_services

_UNSET = object()


class CloudAgents(CloudIndex):
    def agent(self, agent_id: str) -> Agent:
        return self._get(self.agents, "agent", agent_id)

    @operation
    def update_agent(self, agent_id: str, *, admin_state_up: bool | None = None,
                     description: str | object | None = _UNSET) -> Agent:
        """Neutron's `PUT /v2.0/agents/{id}` (`admin_state_up`, `description`)."""
        agent = self.agent(agent_id)
        changes: dict[str, object] = {}
        if admin_state_up is not None:
            changes["admin_state_up"] = admin_state_up
        if description is not _UNSET:
            changes["description"] = description
        new = replace(agent, **changes)  # type: ignore[arg-type]
        self.agents[new.id] = new
        self._emit("update", "agent", new.id, new)
        return new

    @operation
    def delete_agent(self, agent_id: str) -> None:
        """Neutron's `DELETE /v2.0/agents/{id}`: the row goes (an agent still alive
        would register again at its next report; operators delete dead ones)."""
        agent = self.agent(agent_id)
        del self.agents[agent_id]
        self._agents_by_host.get(agent.host, {}).pop(agent_id, None)
        self._emit("delete", "agent", agent_id, agent)

    def service_state(self, host: str, binary: str) -> ServiceState:
        return self.service_states.get((host, binary)) or ServiceState(host, binary)

    @operation
    def update_service(self, host: str, binary: str, *, disabled: bool | None = None,
                       disabled_reason: str | object | None = _UNSET,
                       forced_down: bool | None = None) -> ServiceState:
        """Nova's `PUT /os-services/{id}` (status, disabled_reason, forced_down)."""
        name = self.host(host).name
        if binary not in nova_services(self.hosts[name]):
            raise NotFound(f"service {binary} not found on {name}", field="service_id")
        state = self.service_state(name, binary)
        changes: dict[str, object] = {}
        if disabled is not None:
            changes["disabled"] = disabled
            changes["disabled_reason"] = None if not disabled else state.disabled_reason
        if disabled_reason is not _UNSET:
            changes["disabled_reason"] = disabled_reason
        if forced_down is not None:
            changes["forced_down"] = forced_down
        return self._set_service(replace(state, **changes))  # type: ignore[arg-type]

    def _set_service(self, state: ServiceState) -> ServiceState:
        key = (state.host, state.binary)
        if state == ServiceState(state.host, state.binary):
            self.service_states.pop(key, None)
        else:
            self.service_states[key] = state
        self._emit("update", "service", f"{state.host}/{state.binary}", state)
        return state

    @operation
    def set_heartbeats(self, dead: Iterable[tuple[str, str]]) -> None:
        """Agents and Nova services whose process (named as its binary) is in ``dead``
        (host, process) stop reporting: Neutron says ``alive: false``, Nova's zones
        ``available: false``; the others report again. Nothing is notified (a real cloud
        sends nothing when a heartbeat stops)."""
        gone = set(dead)
        for agent in list(self.agents.values()):
            alive = (agent.host, agent.binary) not in gone
            if agent.alive != alive:
                new = replace(agent, alive=alive)
                self.agents[new.id] = new
                self._emit("update", "agent", new.id, new)
        for host in self.hosts.values():
            for binary in nova_services(host):
                state = self.service_state(host.name, binary)
                up = (host.name, binary) not in gone
                if state.up != up:
                    self._set_service(replace(state, up=up))
