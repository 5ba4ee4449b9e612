"""Truth objects and links under one host: vServices, instances, vNICs, pNICs, vConnectors,
vEdges, OTEPs and network agents, per mechanism driver."""

from __future__ import annotations

import ipaddress
from typing import Any

from calipso.sim.cloud import Cloud
from calipso.sim.model import OWNER_DHCP, Host, Port, ns_devname
from calipso.sim.spec import OVERLAYS
from calipso.sim.truth_builder import Doc, TruthBuilder, vnic_id
from calipso.sim.truth_ovn import ovn_configurations, ovn_vservices
from calipso.sim.views import network_info
from calipso.sim.wiring import VPP_UPLINK, HostWiring, vpp_interfaces
from calipso.sim.wiring_drivers import PHYS_BRIDGE, has_provider_bridge, has_tunnels
from calipso.sim.wiring_ovn import GENEVE_PORT, OVN_BINARY

L2_BINARIES = ("neutron-openvswitch-agent", "neutron-linuxbridge-agent", OVN_BINARY)
TUNNELS = ("vxlan", "geneve")
VPP_VERSION = "vpp v24.02-release"


class HostTruth:
    """State shared by the parts of one host's truth."""

    def __init__(self, cloud: Cloud, t: TruthBuilder, host: Host, hdoc: Doc) -> None:
        self.cloud, self.t, self.host, self.hdoc = cloud, t, host, hdoc
        self.driver = cloud.spec.driver
        self.w: HostWiring = cloud.wiring(host.name)
        self.vedge: Doc | None = None
        self.pnics: dict[str, Doc] = {}
        self.vconnectors: dict[str, Doc] = {}  # bridge name -> doc
        self.bd_of_net: dict[str, Doc] = {}  # network id -> vconnector carrying it

    def link(self, source: Doc, target: Doc, name: str, network: str | None = None) -> None:
        self.t.link(source, target, name, network, self.host.name)

    def net_name(self, network_id: str) -> str:
        return self.cloud.networks[network_id].name

    def tag(self, network_id: str) -> int | None:
        return self.cloud.alloc[self.host.name].tag(network_id)


def host_objects(cloud: Cloud, t: TruthBuilder, host: Host, hdoc: Doc) -> None:
    h = HostTruth(cloud, t, host, hdoc)
    l2 = host.is_compute or host.is_network
    if l2:
        _vedge(h)
        _pnics(h)
        _vconnectors(h)
    if h.driver == "ovn":
        ovn_vservices(h)
    elif host.is_network:
        _vservices(h)
    if host.is_compute:
        _instances(h)
    if l2:
        _physical_links(h)
    _agents(h)
    _static_folders(h)


def _static_folders(h: HostTruth) -> None:
    """The scanner tree's folders under every host (reference §2: folder fetchers run for
    each host), also where they stay empty: a controller's instances, a VPP compute's
    network agents."""
    names = [("vservices", "vServices"), ("instances", "Instances"),
             ("vconnectors", "vConnectors"), ("vedges", "vEdges"),
             ("network_agents", "Network agents")]
    if h.driver != "vpp":
        names.append(("host_pnics", "host_pNICs"))
    for types_name, text in names:
        ident = f"{h.host.name}-{types_name}"
        type_ = "pnics_folder" if types_name == "host_pnics" else f"{types_name}_folder"
        if h.t.get(type_, ident) is None:
            h.t.add(type_, ident, text, h.hdoc)


def _vedge(h: HostTruth) -> None:
    folder = h.t.folder("vedges", f"{h.host.name}-vedges", "vEdges", h.hdoc)
    ports: dict[str, dict[str, Any]]
    if h.driver == "vpp":
        # every interface VPP lists (tunnels and VLAN sub-interfaces too); local0 is down
        ports = {i.name: {"id": str(i.index), "name": i.name, "state": i.state}
                 for i in vpp_interfaces(h.w)}
        h.vedge = h.t.add("vedge", f"{h.host.name}-VPP", f"VPP-{h.host.name}", folder,
                          host=h.host.name, agent_type="VPP", binary=VPP_VERSION, ports=ports)
    else:
        agent = next(a for a in h.cloud.agents_on_host(h.host.name) if a.binary in L2_BINARIES)
        label = {"ovs": "OVS", "lxb": "LXB", "ovn": "OVN"}[h.driver]
        ports = {p.name: {"id": str(p.dp_port), "name": p.name,
                          "internal": p.type == "internal",
                          **({"tag": str(p.tag)} if p.tag is not None else {})}
                 for p in h.w.ovs_ports if p.dp_port is not None and p.type not in TUNNELS}
        tunnel_ports = {p.name: {"name": p.name, "interface": p.name, "type": p.type,
                                 "options": dict(p.options)}
                        for p in h.w.ovs_ports if p.type in TUNNELS}
        conf = (ovn_configurations(h) if h.driver == "ovn"
                else h.cloud.agent_configurations(agent.id))
        h.vedge = h.t.add(
            "vedge", agent.id, f"{h.host.name}-{label}", folder, host=h.host.name,
            binary=agent.binary, agent_type=agent.agent_type,
            configurations=conf, ports=ports, tunnel_ports=tunnel_ports)
    if has_tunnels(h.cloud.spec, h.host):
        # an int, as ml2_*_endpoints.udp_port
        udp = {"lxb": 8472, "ovn": GENEVE_PORT}.get(h.driver, 4789)
        names = sorted({tun.name for tun in h.w.tunnels})
        iface = VPP_UPLINK if h.driver == "vpp" else h.host.tunnel_iface
        otep = h.t.add("otep", f"{h.host.name}-otep", f"{h.host.name}-otep", h.vedge,
                       host=h.host.name, ip_address=h.host.tunnel_ip, udp_port=udp,
                       overlay_type="geneve" if h.driver == "ovn" else "vxlan", ports=names,
                       vconnector=f"{h.host.name}-{iface}")
        h.link(h.vedge, otep, f"{h.vedge['name']}-otep")


def _pnics(h: HostTruth) -> None:
    host = h.host
    if h.driver == "vpp":
        assert h.vedge is not None
        folder = h.t.folder("pnics", f"{h.vedge['id']}-host_pnics", "host_pNICs", h.vedge)
        mac = next(i.mac for i in h.w.vpp_interfaces if i.name == VPP_UPLINK)
        doc = h.t.add("host_pnic", f"{host.name}-pnic-{VPP_UPLINK}", VPP_UPLINK, folder,
                      host=host.name, local_name=VPP_UPLINK, mac_address=mac, state="up",
                      **{"Link detected": "yes", "IP Address": host.tunnel_ip
                         if has_tunnels(h.cloud.spec, host) else None})
        h.pnics["uplink"] = doc
        return
    folder = h.t.folder("pnics", f"{host.name}-host_pnics", "host_pNICs", h.hdoc)
    for nic in host.pnics:
        extra: dict[str, Any] = {}
        if nic.master:
            extra = {"EtherChannel": True, "EtherChannel Master": nic.master}
        h.pnics[nic.name] = h.t.add(
            "host_pnic", f"{nic.name}-{nic.mac}", nic.name, folder, host=host.name,
            local_name=nic.name, mac_address=nic.mac, state="UP",
            **{"IP Address": nic.ip.split("/")[0] if nic.ip else None,
               "Speed": f"{nic.speed_mbps}Mb/s", "Link detected": "yes"}, **extra)
    for bond in host.bonds:
        members = {s: {"name": s, "mac_address": h.pnics[s]["mac_address"],
                       "id": h.pnics[s]["id"], "EtherChannel Master": bond.name}
                   for s in bond.slaves}
        h.pnics[bond.name] = h.t.add(
            "host_pnic", f"{bond.name}-{bond.mac}", bond.name, folder, host=host.name,
            local_name=bond.name, mac_address=bond.mac, state="UP", EtherChannel=True,
            members=members, **{"Link detected": "yes", "Bonding Mode": bond.mode})


def _tunnel_pnic(h: HostTruth) -> Doc:
    return h.pnics["uplink"] if h.driver == "vpp" else h.pnics[h.host.tunnel_iface]


def _provider_pnic(h: HostTruth) -> Doc:
    return h.pnics["uplink"] if h.driver == "vpp" else h.pnics[h.host.provider_iface]


def _vconnectors(h: HostTruth) -> None:
    host = h.host
    folder = h.t.folder("vconnectors", f"{host.name}-vconnectors", "vConnectors", h.hdoc)
    assert h.vedge is not None
    for bridge in h.w.bridges.values():
        if bridge.kind == "vpp":
            ident, name = f"{host.name}-vconnector-{bridge.bridge_id}", bridge.name
        elif bridge.kind == "linux" or not h.cloud.spec.hybrid_plug:
            # hybrid plug: the OVS bridges are the vEdge only; without it br-int, br-tun
            # and the provider bridge are vConnectors too
            ident, name = f"{host.name}-{bridge.name}-{bridge.bridge_id}", \
                f"{host.name}-{bridge.name}"
        else:
            continue
        network = bridge.network_id
        if bridge.kind == "ovs":
            network = _br_int_network(h) if bridge.name == "br-int" else None
        doc = h.t.add("vconnector", ident, name, folder, host=host.name,
                      bridge_name=bridge.name, bridge_id=bridge.bridge_id,
                      connector_type="bridge", stp_enabled=False,
                      interfaces_names=list(bridge.interfaces), network=network)
        h.vconnectors[bridge.name] = doc
        if bridge.network_id:
            h.bd_of_net[bridge.network_id] = doc
        h.link(doc, h.vedge, _vconnector_vedge_name(h, bridge.name, bridge.network_id),
               network)
        if bridge.kind == "ovs" and bridge.name == PHYS_BRIDGE:
            pnic = _provider_pnic(h)
            h.link(doc, pnic, pnic["name"])
        net = h.cloud.networks.get(bridge.network_id or "")
        if net is not None and net.network_type != "vxlan" and h.driver in ("lxb", "vpp"):
            pnic = _provider_pnic(h)
            h.link(doc, pnic, pnic["name"], net.id)


def _br_int_network(h: HostTruth) -> str | None:
    """br-int as a vConnector (no hybrid plug) carries the networks of the instance
    taps on it: its `network` is theirs when they all share one, else none."""
    nets = {h.cloud.ports[p].network_id for inst in h.cloud.instances_on_host(h.host.name)
            for p in inst.port_ids}
    return nets.pop() if len(nets) == 1 else None


def _vconnector_vedge_name(h: HostTruth, bridge: str, network_id: str | None) -> str:
    if h.driver == "ovs" and bridge.startswith("qbr"):
        port = h.w.ovs_port("qvo" + bridge[3:])
        if port is not None:
            return f"port-{port.dp_port}-{port.tag}"
    if h.driver in ("ovs", "ovn"):  # the bridge's own internal port in the datapath
        own = h.w.ovs_port(bridge)
        return f"port-{own.dp_port if own else ''}"
    if h.driver == "vpp":  # the bridge domain's member port with the highest sw_if_index
        members = [i.index for i in vpp_interfaces(h.w)
                   if i.name in h.w.bridges[bridge].interfaces]
        if members:
            return f"port-{max(members)}"
    return bridge


def _bridge_of(h: HostTruth, port: Port) -> Doc | None:
    if h.driver in ("ovs", "ovn"):
        name = "qbr" + port.id[:11] if h.cloud.spec.hybrid_plug else "br-int"
        return h.vconnectors.get(name)
    return h.bd_of_net.get(port.network_id)


def _instances(h: HostTruth) -> None:
    folder = h.t.folder("instances", f"{h.host.name}-instances", "Instances", h.hdoc)
    nohybrid = h.driver == "ovn" or (h.driver == "ovs" and not h.cloud.spec.hybrid_plug)
    for inst in h.cloud.instances_on_host(h.host.name):
        ports = [h.cloud.ports[p] for p in inst.port_ids]
        idoc = h.t.add(
            "instance", inst.uuid, inst.name, folder, uuid=inst.uuid,
            local_name=inst.libvirt_name, host=inst.host, project_id=inst.project_id,
            network=list(dict.fromkeys(p.network_id for p in ports)),
            mac_address=ports[0].mac if ports else None,
            ip_address=next((ip.ip_address for p in ports for ip in p.fixed_ips), None),
            network_info=network_info(h.cloud, inst))
        vfolder = h.t.folder("vnics", f"{inst.uuid}-vnics", "vNICs", idoc)
        for port in ports:
            ident = vnic_id(h.cloud, h.host, port)
            bridge = _bridge_of(h, port)
            vdoc = h.t.add(
                "vnic", ident, ident.removeprefix(f"{h.host.name}-"), vfolder,
                vnic_type="instance_vnic", host=h.host.name, instance_id=inst.uuid,
                instance_db_id=inst.db_id, mac_address=port.mac, network=port.network_id,
                port_id=port.id,  # libvirt's <source bridge>: a vhost-user socket has none
                source_bridge=bridge["bridge_name"] if bridge and h.driver != "vpp" else None)
            h.link(idoc, vdoc, h.net_name(port.network_id), port.network_id)
            if bridge is not None:
                h.link(vdoc, bridge, port.mac, port.network_id)
            if nohybrid:
                vnic_vedge(h, vdoc, port)


def vnic_vedge(h: HostTruth, vdoc: Doc, port: Port) -> None:
    assert h.vedge is not None
    name = f"{vdoc['name']}-{h.vedge['name']}"
    tag = None if h.driver == "ovn" else h.tag(port.network_id)  # OVN needs no local VLANs
    h.link(vdoc, h.vedge, f"{name}-{tag}" if tag is not None else name, port.network_id)


def _vservices(h: HostTruth) -> None:
    host = h.host
    top = h.t.folder("vservices", f"{host.name}-vservices", "vServices", h.hdoc)
    subfolders: dict[str, Doc] = {}
    for ns in h.w.namespaces.values():
        if ns.kind == "dhcp":
            ports = [p for p in h.cloud.ports_on_network(ns.owner_id)
                     if p.device_owner == OWNER_DHCP and p.host == host.name]
            name = f"dhcp-{h.net_name(ns.owner_id)}"
            extra: Doc = {}
        else:
            router = h.cloud.routers[ns.owner_id]
            ports = h.cloud.router_ports(router.id)
            name = f"router-{router.name}"
            extra = {"gw_port_id": router.gw_port_id, "tenant_id": router.project_id,
                     "status": router.status, "admin_state_up": router.admin_state_up}
        key = "dhcps" if ns.kind == "dhcp" else "routers"
        if key not in subfolders:
            subfolders[key] = h.t.add(
                f"vservice_{key}_folder", f"{host.name}-vservices-{key}",
                "DHCP servers" if key == "dhcps" else "Gateways", top)
        sdoc = h.t.add("vservice", f"{host.name}-{ns.name}", name, subfolders[key],
                       local_service_id=ns.name, service_type=ns.kind, host=host.name,
                       network=list(dict.fromkeys(p.network_id for p in ports)), **extra)
        vfolder = h.t.folder("vnics", f"{sdoc['id']}-vnics", "vNICs", sdoc)
        for port in ports:
            _vservice_vnic(h, sdoc, vfolder, port)


def _vservice_vnic(h: HostTruth, sdoc: Doc, vfolder: Doc, port: Port) -> None:
    ip = port.fixed_ips[0] if port.fixed_ips else None
    cidr = h.cloud.subnets[ip.subnet_id].cidr if ip else None
    netmask = str(ipaddress.ip_network(cidr).netmask) if cidr else None
    vdoc = h.t.add(
        "vnic", vnic_id(h.cloud, h.host, port), ns_devname(port), vfolder,
        vnic_type="vservice_vnic", host=h.host.name, mac_address=port.mac,
        network=port.network_id, port_id=port.id, cidr=cidr, netmask=netmask,
        **{"IP Address": ip.ip_address if ip else None})
    h.link(sdoc, vdoc, h.net_name(port.network_id), port.network_id)
    if h.driver == "ovs":
        vnic_vedge(h, vdoc, port)
    else:
        bridge = _bridge_of(h, port)
        if bridge is not None:
            h.link(vdoc, bridge, port.mac, port.network_id)


def _physical_links(h: HostTruth) -> None:
    """vedge-host_pnic, otep-host_pnic and host_pnic-network on this host."""
    spec, host = h.cloud.spec, h.host
    assert h.vedge is not None
    if h.driver == "vpp":
        h.link(h.vedge, h.pnics["uplink"], "Port-1")
    elif h.driver in ("ovs", "ovn") and has_provider_bridge(spec, host):
        uplink = h.w.ovs_port(host.provider_iface)
        h.link(h.vedge, _provider_pnic(h), f"Port-{uplink.dp_port if uplink else ''}")
    otep = h.t.get("otep", f"{host.name}-otep")
    if otep is not None:
        pnic = _tunnel_pnic(h)
        h.link(otep, pnic, f"{host.name}pnic{pnic['name']}")
        if h.driver != "vpp":  # the OTEP to every bridge holding one of its VXLAN ports
            # (Linux bridge: brq bridges; OVS without hybrid plug: br-tun)
            for bridge in h.vconnectors.values():
                if any(n.startswith("vxlan-") for n in bridge["interfaces_names"]):
                    h.link(otep, bridge, f"{otep['name']}-{bridge['name']}")
    seen: dict[str, None] = {}
    for port in h.cloud.ports_on_host(host.name):
        seen[port.network_id] = None
    for net_id in seen:
        net = h.cloud.networks[net_id]
        pnic = _tunnel_pnic(h) if net.network_type in OVERLAYS else _provider_pnic(h)
        net_doc = h.t.get("network", net_id)
        if net_doc is None:  # networks are added after hosts: link by id
            net_doc = {"type": "network", "id": net_id}
        h.link(pnic, net_doc, f"Segment-{net.segmentation_id}", net_id)


def _agents(h: HostTruth) -> None:
    agents = h.cloud.agents_on_host(h.host.name)
    if not agents:
        return
    folder = h.t.folder("network_agents", f"{h.host.name}-network_agents", "Network agents",
                        h.hdoc)
    for agent in agents:
        h.t.add("network_agent", f"{agent.binary}-{agent.id}", agent.binary, folder,
                host=agent.host, agent_type=agent.agent_type, binary=agent.binary,
                topic=agent.topic, admin_state_up=agent.admin_state_up, alive=agent.alive,
                configurations=h.cloud.agent_configurations(agent.id))



