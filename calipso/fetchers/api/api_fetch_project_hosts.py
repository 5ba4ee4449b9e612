"""Hosts, each filed under its availability zone: a region's (under a region), or every
region's (under the admin project; other projects have none).

Per region: one zone listing, one hypervisor listing (``os_id``, ``ip_address`` from
``host_ip``) and one Neutron agent listing (network hosts get ``Network`` and the
agents' ``config``). ``host_type`` comes from what runs there: Nova conductor or
scheduler (Controller), nova-compute or a hypervisor (Compute), DHCP, L3, metadata or
other network-service agents, or ML2/OVN's gateway chassis (Network). Agent types it does
not know, and a host none of whose services gives a role, are listed in the host's
``unrecognised``. The OS comes from ``/etc/os-release`` over SSH; a host that cannot be
reached is still stored, without ``OS``, and the failure is recorded for the scan; each
connection is released after its read (see ``_add_os``).
"""

from __future__ import annotations

import asyncio

from calipso.errors import FetchError, ParseError
from calipso.fetchers.api.base import ApiAccess
from calipso.fetchers.api.cloud_hosts import (
    NETWORK_AGENT_TYPES,
    ROLELESS_AGENT_TYPES,
    RegionHosts,
    fetch_region_hosts,
    regions_for,
)
from calipso.fetchers.base import Doc
from calipso.fetchers.cli.parse.os_release import parse_os_release
from calipso.sources import FetchFailure

OS_COMMAND = 'cat /etc/os-release && echo "ARCHITECURE=`arch`"'
CONTROLLER_SERVICES = frozenset({"nova-conductor", "nova-scheduler"})


def short_name(host: str) -> str:
    return host.split(".", 1)[0]


def hypervisors_by_host(hypervisors: list[Doc]) -> dict[str, Doc]:
    """Hypervisors keyed by their service host, their hostname and its short form."""
    out: dict[str, Doc] = {}
    for hv in hypervisors:
        names = [(hv.get("service") or {}).get("host"), hv.get("hypervisor_hostname")]
        for name in filter(None, names):
            out.setdefault(str(name), hv)
            out.setdefault(short_name(str(name)), hv)
    return out


def host_types(services: Doc, hypervisor: Doc | None, agents: list[Doc]) -> list[str]:
    types = []
    if CONTROLLER_SERVICES & set(services):
        types.append("Controller")
    if "nova-compute" in services or hypervisor is not None:
        types.append("Compute")
    if any(a.get("agent_type") in NETWORK_AGENT_TYPES for a in agents):
        types.append("Network")
    return types


def unrecognised(types: list[str], agents: list[Doc]) -> list[str]:
    """What a scan could not place on this host: agent types it does not know, and no
    role at all (none of its Nova services or Neutron agents says what it is)."""
    known = NETWORK_AGENT_TYPES | ROLELESS_AGENT_TYPES
    out = sorted({f"agent type {a.get('agent_type')!r}" for a in agents
                  if a.get("agent_type") not in known})
    if not types:
        out.append("host role: none of its services or agents gives one")
    return out


def host_doc(found: RegionHosts, name: str, hypervisor: Doc | None) -> Doc:
    agents = found.agents.get(name, [])
    services = found.services(name)
    zone = found.zone_of(name)
    types = host_types(services, hypervisor, agents)
    doc: Doc = {
        "id": name, "name": name, "host": name, "zone": zone,
        "parent_id": found.zone_id(zone), "parent_type": "availability_zone",
        "host_type": types, "services": services,
        "os_id": str(hypervisor["id"]) if hypervisor else None,
        "ip_address": hypervisor.get("host_ip") if hypervisor else None,
    }
    problems = unrecognised(types, agents)
    if problems:  # the scan's summary lists these (calipso.fetchers.unrecognised)
        doc["unrecognised"] = problems
    network_agents = [a for a in agents if a.get("agent_type") in NETWORK_AGENT_TYPES]
    if network_agents:
        config: Doc = {}
        for agent in network_agents:
            config.update(agent.get("configurations") or {})
        doc["config"] = config
    return doc


def os_doc(text: str) -> Doc:
    release = parse_os_release(text)
    return {"name": release.name, "version": release.version, "ID": release.id,
            "ID_LIKE": release.id_like, "architecure": release.architecture}


class ApiFetchProjectHosts(ApiAccess):
    async def get(self, parent_id: str) -> list[Doc]:
        return await self.named(parent_id, None)

    async def named(self, parent_id: str, names: set[str] | None) -> list[Doc]:
        """``get``, of the hosts ``names`` only (None: all): the others' OS is not read."""
        regions = await regions_for(self, parent_id)
        per_region = await asyncio.gather(*(self._region(r) for r in regions))
        docs = [doc for found in per_region for doc in found
                if names is None or doc["id"] in names]
        for doc in docs:
            if doc.get("unrecognised"):
                self.ctx.log.warning("host not recognised", extra={
                    "host": doc["id"], "unrecognised": doc["unrecognised"]})
        async with asyncio.TaskGroup() as group:
            for doc in docs:
                group.create_task(self._add_os(doc), name=f"os-release:{doc['id']}")
        return docs

    async def _region(self, region: str) -> list[Doc]:
        found, hypervisors = await asyncio.gather(
            fetch_region_hosts(self, region),
            self.request("compute", "os-hypervisors/detail", key="hypervisors",
                         region=region))
        by_host = hypervisors_by_host(hypervisors)
        return [host_doc(found, name, by_host.get(name) or by_host.get(short_name(name)))
                for name in found.host_names()]

    async def _add_os(self, doc: Doc) -> None:
        ssh = self.ctx.ssh
        if ssh is None:
            return
        host = doc["id"]
        try:
            doc["OS"] = os_doc(await ssh.run(host, OS_COMMAND))
        except (FetchError, ParseError) as err:  # SshError, FetchTimeout, bad output
            detail = err.detail if isinstance(err, FetchError) else str(err)
            self.ctx.log.warning("host OS not read", extra={"host": host, "error": detail})
            self.ctx.report_failure(
                FetchFailure("host", self._host_path(doc), "ssh", f"{host}: {OS_COMMAND}",
                             detail), host=host if isinstance(err, FetchError) else None)
        finally:
            # Hosts are saved only when every OS is read, and the pool holds at most
            # CALIPSO_MAX_SSH_CONNECTIONS open: keeping each one would deadlock a cloud
            # with more hosts than that. The host's own scan opens it again.
            await ssh.release(host)

    def _host_path(self, doc: Doc) -> str:
        zone = next((z for z in self.ctx.of_type("availability_zone")
                     if z["id"] == doc["parent_id"]), None)
        base = zone["id_path"] if zone else f"/{self.ctx.env_name}"
        return f"{base}/{doc['id']}"
