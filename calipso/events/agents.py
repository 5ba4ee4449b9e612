"""The hosts with a DHCP agent re-read lightly: the host object (its ``config`` holds its
agents' configurations) and its network agents, from the API, not the rest of its
subtree. A DHCP agent counts the ports of the networks it serves in the configurations
it reports, so a port created or deleted changes them, on a host the port is not on."""

from __future__ import annotations

from calipso.env_config import EnvironmentConfig
from calipso.events.services import EventServices
from calipso.events.work import Applied, entry, partial_context
from calipso.fetchers.api.api_fetch_host_network_agents import FOLDER_SUFFIX, region_of
from calipso.inventory import InventoryWriter
from calipso.scanners.scan import now_ms
from calipso.scanners.walker import Walker
from calipso.sources import open_sources

DHCP_AGENT = "DHCP agent"  # Neutron's agent_type


async def refresh_dhcp_hosts(services: EventServices, env: EnvironmentConfig,
                             origin: str, applied: Applied,
                             skip: frozenset[str] = frozenset()) -> None:
    """Re-read the hosts with a DHCP agent: each host (its ``config`` holds its agents'
    configurations) and its network agents, not the rest of its subtree; a host whose
    agent does not serve the port's network changes nothing."""
    db = services.db
    # by the type alone (SecantusDB scans for any other condition beside it)
    agents = [a async for a in db.inventory.find(
        {"environment": env.name, "type": "network_agent"},
        {"_id": 0, "id": 1, "host": 1, "agent_type": 1, "parent_id": 1})]
    names = {str(a["host"]) for a in agents if a.get("agent_type") == DHCP_AGENT} - skip
    folders = [f"{h}{FOLDER_SUFFIX}" for h in sorted(names)]
    inventory = InventoryWriter(db, env.name, now_ms())
    await inventory.load_existing(ids=[*names, *folders, *(
        a["id"] for a in agents if a.get("parent_id") in folders)])
    async with open_sources(env, services.settings, db, services.ssh_pools) as sources:
        ctx = partial_context(services, env, inventory, origin, sources.api)
        walker = Walker(ctx, services.metadata.scanners)
        stored = {d["id"]: d for d in await ctx.stored(
            "inventory", {"environment": env.name, "id": {"$in": [*names, *folders]}})}
        hosts = [stored[h] for h in sorted(names) if h in stored]
        hosts_entry = entry(walker, "host", "region")
        for region_id in sorted({region_of(h) or "" for h in hosts}):
            region = await ctx.lookup(region_id)
            if region is not None:
                await walker.save(hosts_entry, region, [
                    d for d in await walker.fetch(hosts_entry, region, region["id"])
                    if str(d["id"]).strip() in names])
        for folder in (stored[f] for f in folders if f in stored):
            agent_entry = entry(walker, "network_agent", folder["type"])
            await walker.save(agent_entry, folder,
                              await walker.fetch(agent_entry, folder, folder["id"]))
        await inventory.finish()
    applied.objects += inventory.written
    applied.changed_ids += inventory.changed_ids
    applied.failures += ctx.state.failures
