"""ML2/OVN's databases as `ovn-nbctl`/`ovn-sbctl --format=json list TABLE` print them, and
an OVN host's `ovs-vsctl get open . external_ids`. Pure functions of the cloud.

JSON rows are OVSDB atoms: a uuid is `["uuid", u]`, a set of one element is the element,
other sets `["set", [...]]`, maps `["map", [[k, v], ...]]`. Row uuids are uuid5 of what
the row stands for, so they are stable. The rows Neutron's OVN driver writes, as
modelled, are listed in the simulator's README ("ML2/OVN").
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from calipso.sim.model import (
    OWNER_COMPUTE,
    OWNER_DISTRIBUTED,
    OWNER_ROUTER_GATEWAY,
    OWNER_ROUTER_INTERFACE,
    Port,
)
from calipso.sim.ssh.render_ovs import ovs_quote, system_uuid
from calipso.sim.wiring_ovn import chassis_hosts, chassis_name, dhcp_options, port_dhcp_subnet

if TYPE_CHECKING:
    from calipso.sim.cloud import Cloud

Row = dict[str, Any]


def row_uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "ovn:" + "/".join(parts)))


def _uuid(value: str) -> list[str]:
    return ["uuid", value]


def _set(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else ["set", values]


def _map(items: dict[str, str]) -> list[Any]:
    return ["map", [[k, v] for k, v in sorted(items.items())]]


def render_json(rows: list[Row], columns: list[str] | None = None) -> str:
    headings = columns or (list(rows[0]) if rows else ["_uuid"])
    return json.dumps({"data": [[r[h] for h in headings] for r in rows],
                       "headings": headings}) + "\n"


def _addresses(cloud: Cloud, port: Port) -> str:
    return " ".join([port.mac, *(ip.ip_address for ip in port.fixed_ips)])


def _networks(cloud: Cloud, port: Port) -> list[str]:
    return [f"{ip.ip_address}/{cloud.subnets[ip.subnet_id].cidr.split('/')[1]}"
            for ip in port.fixed_ips]


def _lsp_type(port: Port) -> str:
    if port.device_owner in (OWNER_ROUTER_INTERFACE, OWNER_ROUTER_GATEWAY):
        return "router"
    return "localport" if port.device_owner == OWNER_DISTRIBUTED else ""


def logical_switches(cloud: Cloud) -> list[Row]:
    return [{"_uuid": _uuid(row_uuid("ls", net.id)),
             "external_ids": _map({"neutron:network_name": net.name,
                                   "neutron:mtu": str(net.mtu)}),
             "name": f"neutron-{net.id}",
             "ports": _set([_uuid(row_uuid("lsp", p.id))
                            for p in cloud.ports_on_network(net.id)])}
            for net in cloud.networks.values()]


def logical_switch_ports(cloud: Cloud) -> list[Row]:
    rows = []
    for port in cloud.ports.values():
        kind = _lsp_type(port)
        options = {"router-port": f"lrp-{port.id}"} if kind == "router" else {}
        if port.device_owner == OWNER_COMPUTE and port.host:
            options["requested-chassis"] = port.host
        dhcp = port_dhcp_subnet(cloud, port)
        rows.append({
            "_uuid": _uuid(row_uuid("lsp", port.id)),
            "addresses": "router" if kind == "router" else _addresses(cloud, port),
            "dhcpv4_options": _uuid(row_uuid("dhcp", dhcp)) if dhcp else _set([]),
            "dhcpv6_options": _set([]), "enabled": True,
            "external_ids": _map({"neutron:device_id": port.device_id,
                                  "neutron:device_owner": port.device_owner,
                                  "neutron:network_name": f"neutron-{port.network_id}"}),
            "name": port.id, "options": _map(options), "type": kind,
            "up": bool(port.host) or kind == "localport"})
    return rows


def dhcp_options_rows(cloud: Cloud) -> list[Row]:
    rows = []
    for sub in cloud.subnets.values():
        options = dhcp_options(cloud, sub.id)
        if options is not None:
            rows.append({"_uuid": _uuid(row_uuid("dhcp", sub.id)), "cidr": sub.cidr,
                         "external_ids": _map({"neutron:revision_number": "1",
                                               "subnet_id": sub.id}),
                         "options": _map(options)})
    return rows


def _router_ports(cloud: Cloud, router_id: str) -> list[Port]:
    return [p for p in cloud.router_ports(router_id)
            if p.device_owner in (OWNER_ROUTER_INTERFACE, OWNER_ROUTER_GATEWAY)]


def logical_routers(cloud: Cloud) -> list[Row]:
    return [{"_uuid": _uuid(row_uuid("lr", r.id)), "enabled": True,
             "external_ids": _map({"neutron:router_name": r.name}),
             "name": f"neutron-{r.id}",
             "ports": _set([_uuid(row_uuid("lrp", p.id)) for p in _router_ports(cloud, r.id)])}
            for r in cloud.routers.values()]


def logical_router_ports(cloud: Cloud) -> list[Row]:
    rows = []
    for router in cloud.routers.values():
        for port in _router_ports(cloud, router.id):
            gateway = port.device_owner == OWNER_ROUTER_GATEWAY
            chassis = chassis_name(cloud, router.host) if gateway else None
            rows.append({
                "_uuid": _uuid(row_uuid("lrp", port.id)),
                "external_ids": _map({"neutron:network_name": f"neutron-{port.network_id}",
                                      "neutron:router_name": router.id}),
                "gateway_chassis": _set([_uuid(row_uuid("gwc", port.id, chassis))]
                                        if chassis else []),
                "mac": port.mac, "name": f"lrp-{port.id}",
                "networks": _set(_networks(cloud, port))})
    return rows


def gateway_chassis(cloud: Cloud) -> list[Row]:
    rows = []
    for router in cloud.routers.values():
        chassis = chassis_name(cloud, router.host)
        if router.gw_port_id and chassis:
            rows.append({"_uuid": _uuid(row_uuid("gwc", router.gw_port_id, chassis)),
                         "chassis_name": chassis,
                         "name": f"lrp-{router.gw_port_id}_{chassis}", "priority": 1})
    return rows


def chassis(cloud: Cloud) -> list[Row]:
    rows = []
    for host in chassis_hosts(cloud):
        name = chassis_name(cloud, host.name)
        assert name is not None
        other = {"datapath-type": "system", "ovn-bridge-mappings": _mappings(cloud, host.name)}
        if host.is_network:
            other["ovn-cms-options"] = "enable-chassis-as-gw"
        rows.append({"_uuid": _uuid(row_uuid("chassis", name)),
                     "encaps": _uuid(row_uuid("encap", name)), "external_ids": _map({}),
                     "hostname": host.hypervisor_hostname, "name": name,
                     "other_config": _map(other)})
    return rows


def _mappings(cloud: Cloud, host: str) -> str:
    agent = next(a for a in cloud.agents_on_host(host) if a.binary == "ovn-controller")
    return str(agent.configurations.get("bridge-mappings") or "")


def encaps(cloud: Cloud) -> list[Row]:
    return [{"_uuid": _uuid(row_uuid("encap", name)), "chassis_name": name,
             "ip": host.tunnel_ip, "options": _map({"csum": "true"}), "type": "geneve"}
            for host in chassis_hosts(cloud)
            if (name := chassis_name(cloud, host.name))]


def port_bindings(cloud: Cloud) -> list[Row]:
    rows = []

    def add(logical_port: str, kind: str, mac: str, host: str | None) -> None:
        name = chassis_name(cloud, host) if host else None
        rows.append({"_uuid": _uuid(row_uuid("pb", logical_port)),
                     "chassis": _uuid(row_uuid("chassis", name)) if name else _set([]),
                     "logical_port": logical_port, "mac": mac, "type": kind,
                     "up": name is not None})

    for port in cloud.ports.values():
        kind = _lsp_type(port)
        bound = port.host if port.device_owner == OWNER_COMPUTE else None
        add(port.id, "patch" if kind == "router" else kind,
            "router" if kind == "router" else _addresses(cloud, port), bound)
    for router in cloud.routers.values():
        for port in _router_ports(cloud, router.id):
            mac = " ".join([port.mac, *_networks(cloud, port)])
            add(f"lrp-{port.id}", "patch", mac, None)
            if port.device_owner == OWNER_ROUTER_GATEWAY:
                add(f"cr-lrp-{port.id}", "chassisredirect", mac, router.host)
    return rows


NB_TABLES = {"Logical_Switch": logical_switches, "Logical_Switch_Port": logical_switch_ports,
             "Logical_Router": logical_routers, "Logical_Router_Port": logical_router_ports,
             "Gateway_Chassis": gateway_chassis, "DHCP_Options": dhcp_options_rows}
SB_TABLES = {"Chassis": chassis, "Encap": encaps, "Port_Binding": port_bindings}


def render_open_vswitch_ids(cloud: Cloud, host: str) -> str:
    """`ovs-vsctl get open . external_ids` of a chassis: what ovn-controller reads."""
    name = chassis_name(cloud, host) or system_uuid(host)
    rec = cloud.host(host)
    central = next((h for h in cloud.hosts.values() if "controller" in h.roles), rec)
    ids = {"hostname": rec.hypervisor_hostname, "ovn-bridge": "br-int",
           "ovn-bridge-mappings": _mappings(cloud, host), "ovn-encap-ip": rec.tunnel_ip,
           "ovn-encap-type": "geneve", "ovn-remote": f"tcp:{central.ip}:6642",
           "rundir": "/var/run/openvswitch", "system-id": name}
    if not ids["ovn-bridge-mappings"]:
        del ids["ovn-bridge-mappings"]
    return "{" + ", ".join(f"{k}={ovs_quote(v)}" for k, v in sorted(ids.items())) + "}\n"

