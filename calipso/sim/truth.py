"""The truth: every inventory object, link and clique a correct Calipso scan must find.

`build_truth(cloud, env)` returns `{"objects": [...], "links": [...], "cliques": [...]}`.
Objects carry `type, id, name, object_name, parent_type, parent_id, id_path, name_path`
plus key fields of their type; ids follow README.md "Id conventions".
"""

from __future__ import annotations

from calipso.sim.cloud import Cloud
from calipso.sim.model import Host, Port
from calipso.sim.region_catalog import service_endpoints
from calipso.sim.spec import DISTRIBUTION, DRIVER_LABELS
from calipso.sim.truth_builder import Doc, TruthBuilder
from calipso.sim.truth_cliques import CliqueEnv, find_cliques
from calipso.sim.truth_host import host_objects
from calipso.sim.views import filed_zone, zone_services


def build_truth(cloud: Cloud, env_name: str) -> dict[str, list[Doc]]:
    t = TruthBuilder(env_name)
    regions = t.folder("regions", f"{env_name}-regions", "Regions", t.root)
    # hosts are filed as Nova's zone listing shows their services (a disabled one is
    # left out of it) and Neutron's agents
    listed = zone_services(cloud)
    filed = {h.name: filed_zone(cloud, h, listed) for h in cloud.hosts.values()}
    for region in cloud.regions.values():
        reg = t.add("region", region.name, region.name, regions,
                     endpoints=_endpoints(cloud, region.name))
        _aggregates(cloud, t, reg)
        zones = t.folder("availability_zones", f"{region.name}-availability_zones",
                         "Availability Zones", reg)
        for zone in cloud.availability_zones.values():
            hosts = [h for h in cloud.hosts.values()
                     if h.region == region.name and filed.get(h.name) == zone.name]
            if not hosts:
                continue
            az = t.add("availability_zone", zone_id(cloud, region.name, zone.name),
                       zone.name, zones, available=True,
                       hosts={h.name: _services(h, listed) for h in hosts})
            for host in hosts:
                host_objects(cloud, t, host, t.add("host", host.name, host.name, az,
                                                   **_host_fields(host, zone.name, listed)))
    _projects(cloud, t)
    return {"objects": t.objects, "links": t.links,
            "cliques": find_cliques(t.objects, t.links, clique_env(cloud, env_name))}


def clique_env(cloud: Cloud, env_name: str) -> CliqueEnv:
    """The environment as `SimCloud.env_config()` declares it, for the clique types."""
    return CliqueEnv(name=env_name, distribution=DISTRIBUTION[0],
                     distribution_version=DISTRIBUTION[1],
                     mechanism_drivers=(DRIVER_LABELS[cloud.spec.driver],),
                     type_drivers=cloud.spec.type_driver)


def zone_id(cloud: Cloud, region: str, zone: str) -> str:
    """README "Id conventions": a zone's name, `<region>-<name>` with several regions
    (each region's Nova has its own zones, `nova` and `internal` in every one)."""
    return zone if len(cloud.regions) == 1 else f"{region}-{zone}"


def _endpoints(cloud: Cloud, region: str) -> Doc:
    if region != next(iter(cloud.regions)):
        return {svc.name: {"id": dict((i, e) for i, e, _ in found)["public"],
                           "service_type": svc.type,
                           **{f"{i}URL": url for i, _, url in found}}
                for svc in cloud.catalog.values()
                if (found := service_endpoints(cloud, svc, region))}
    out = {}
    for svc in cloud.catalog.values():
        ids = dict(svc.endpoint_ids)
        out[svc.name] = {"id": ids["public"], "service_type": svc.type, **{
            f"{i}URL": cloud.endpoint_urls.get((svc.name, i)) for i in ids}}
    return out


def _services(host: Host, listed: Doc) -> Doc:
    """Nova services of a host as zones list them, without the `updated_at` heartbeat."""
    out: Doc = {}
    for hosts in listed.values():
        out.update(hosts.get(host.name, {}))
    return out


def _host_fields(host: Host, zone: str, listed: Doc) -> Doc:
    os = host.os
    return {
        "host": host.name, "zone": zone, "host_type": host.host_type,
        # only a hypervisor reports its host IP (reference §1.3: nova.compute_nodes.host_ip)
        "ip_address": host.ip if host.is_compute else None,
        "os_id": str(host.hypervisor_id) if host.is_compute else None,
        "services": _services(host, listed),
        "OS": {"name": os.name, "version": os.version, "ID": os.id, "ID_LIKE": os.id_like,
               "architecure": "x86_64"},
    }


def _aggregates(cloud: Cloud, t: TruthBuilder, region: Doc) -> None:
    """A region's Nova lists the aggregates of its hosts (empty ones: the first region's);
    with several regions the id is `<region>-<nova id>` (each Nova numbers its own)."""
    folder = t.folder("aggregates", f"{region['id']}-aggregates", "Aggregates", region)
    first = next(iter(cloud.regions))
    for agg in cloud.aggregates.values():
        regions = {cloud.hosts[h].region for h in agg.hosts} or {first}
        if region["id"] not in regions:
            continue
        ident = str(agg.id) if len(cloud.regions) == 1 else f"{region['id']}-{agg.id}"
        doc = t.add("aggregate", ident, agg.name, folder,
                    availability_zone=agg.availability_zone)
        for host in agg.hosts:
            t.add("host_ref", f"aggregate-{agg.name}-{host}", host, doc)


def _projects(cloud: Cloud, t: TruthBuilder) -> None:
    folder = t.folder("projects", f"{t.env}-projects", "Projects", t.root)
    nets_by_project: dict[str, list[str]] = {}
    for net in cloud.networks.values():
        nets_by_project.setdefault(net.project_id, []).append(net.id)
    for project in cloud.projects.values():
        proj = t.add("project", project.id, project.name, folder,
                     description=project.description, enabled=project.enabled)
        if not nets_by_project.get(project.id):
            continue
        nets = t.folder("networks", f"{project.id}-networks", "Networks", proj)
        for net_id in nets_by_project[project.id]:
            _network(cloud, t, nets, net_id, project.name)


def _network(cloud: Cloud, t: TruthBuilder, parent: Doc, net_id: str, project: str) -> None:
    net = cloud.networks[net_id]
    subnets = [cloud.subnets[s] for s in net.subnet_ids]
    doc = t.add(
        "network", net.id, net.name, parent, network=net.id, project=project,
        tenant_id=net.project_id, shared=net.shared, status=net.status,
        admin_state_up=net.admin_state_up, mtu=net.mtu, **{
            "router:external": net.external, "provider:network_type": net.network_type,
            "provider:segmentation_id": net.segmentation_id,
            "provider:physical_network": net.physnet,
        },
        subnet_ids=list(net.subnet_ids), cidrs=[s.cidr for s in subnets],
        subnets={s.name: {"id": s.id, "cidr": s.cidr, "gateway_ip": s.gateway_ip,
                          "enable_dhcp": s.enable_dhcp} for s in subnets},
    )
    ports = t.folder("ports", f"{net.id}-ports", "Ports", doc)
    t.folder("network_services", f"{net.id}-network_services", "Network vServices", doc)
    for port in cloud.ports_on_network(net.id):
        # a port's project is its owner's (tenant_id), not its network's: a demo instance
        # may have a port on the admin's shared or external network
        owner = cloud.projects.get(port.project_id)
        t.add("port", port.id, port.name or port.mac, ports,
              **_port_fields(port, owner.name if owner else port.project_id))


def _port_fields(port: Port, project: str) -> Doc:
    return {
        "mac_address": port.mac, "device_owner": port.device_owner,
        "device_id": port.device_id, "network_id": port.network_id,
        "tenant_id": port.project_id, "project": project, "status": port.status,
        "binding:host_id": port.host, "binding:vif_type": port.vif_type,
        "fixed_ips": [{"subnet_id": ip.subnet_id, "ip_address": ip.ip_address}
                      for ip in port.fixed_ips],
    }
