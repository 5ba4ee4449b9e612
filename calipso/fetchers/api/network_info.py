"""Nova's ``network_info`` of an instance, rebuilt from Neutron when there is no database.

Nova builds ``instance_info_caches.network_info`` from the instance's Neutron ports, their
networks and subnets; this does the same for an environment without a ``mysql`` section,
so its instances carry the same ``network_info`` and ``network`` either way.
``NeutronView`` holds what the build needs, indexed once per scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from calipso.fetchers.base import Doc

OWNER_DHCP = "network:dhcp"
TUNNEL_TYPES = frozenset({"vxlan", "gre", "geneve"})


@dataclass(slots=True)
class NeutronView:
    networks: dict[str, Doc] = field(default_factory=dict)  # id -> network (subnets: ids)
    subnets: dict[str, Doc] = field(default_factory=dict)
    ports_of_device: dict[str, list[Doc]] = field(default_factory=dict)
    dhcp_ips: dict[str, str] = field(default_factory=dict)  # subnet id -> DHCP server IP

    @classmethod
    def build(cls, networks: list[Doc], subnets: list[Doc], ports: list[Doc]) -> NeutronView:
        """From Neutron listings; ``networks`` may be inventory documents (subnets by name)."""
        view = cls()
        for net in networks:
            view.networks[str(net["id"])] = net
            inline = net.get("subnets")
            if isinstance(inline, dict):  # an inventory network: full subnets by name
                for sub in inline.values():
                    view.subnets[str(sub["id"])] = sub
        for sub in subnets:
            view.subnets[str(sub["id"])] = sub
        for port in ports:
            view.ports_of_device.setdefault(str(port.get("device_id")), []).append(port)
            if port.get("device_owner") == OWNER_DHCP:
                for ip in port.get("fixed_ips") or []:
                    view.dhcp_ips.setdefault(str(ip.get("subnet_id")), ip.get("ip_address"))
        return view

    def subnet_ids(self, net: Doc) -> list[str]:
        ids = net.get("subnet_ids")
        if ids is None:
            ids = net.get("subnets") or []
        return [str(s) for s in ids]

    def network_info(self, instance_id: str) -> list[Doc]:
        return [vif for port in self.ports_of_device.get(instance_id, [])
                if (vif := self.vif(port)) is not None]

    def vif(self, port: Doc) -> Doc | None:
        net = self.networks.get(str(port.get("network_id")))
        if net is None:
            return None
        vif_type = port.get("binding:vif_type")
        return {
            "id": port["id"], "address": port.get("mac_address"),
            "devname": "tap" + str(port["id"])[:11],
            "ovs_interfaceid": port["id"] if vif_type == "ovs" else None,
            "type": vif_type, "details": dict(port.get("binding:vif_details") or {}),
            "vnic_type": port.get("binding:vnic_type", "normal"),
            "network": {
                "id": net["id"], "bridge": _bridge(port, net), "label": net.get("name"),
                "subnets": self._subnets(port, net),
                "meta": {"injected": False,
                         "tenant_id": port.get("project_id") or port.get("tenant_id"),
                         "mtu": net.get("mtu"),
                         "physical_network": net.get("provider:physical_network"),
                         "tunneled": net.get("provider:network_type") in TUNNEL_TYPES},
            },
            "profile": dict(port.get("binding:profile") or {}), "preserve_on_delete": False,
            "active": port.get("status") == "ACTIVE", "qbh_params": None, "qbg_params": None,
            "meta": {},
        }

    def _subnets(self, port: Doc, net: Doc) -> list[Doc]:
        out = []
        fixed = port.get("fixed_ips") or []
        for sid in self.subnet_ids(net):
            sub = self.subnets.get(sid)
            ips = [ip["ip_address"] for ip in fixed if str(ip.get("subnet_id")) == sid]
            if sub is None or not ips:
                continue
            version = sub.get("ip_version", 4)
            meta: Doc = {}
            if sid in self.dhcp_ips:
                meta["dhcp_server"] = self.dhcp_ips[sid]
            gateway = sub.get("gateway_ip")
            out.append({
                "cidr": sub.get("cidr"),
                "dns": [_ip(d, "dns", version) for d in sub.get("dns_nameservers") or []],
                "gateway": _ip(gateway, "gateway", version) if gateway else {"meta": {}},
                "ips": [{**_ip(a, "fixed", version), "floating_ips": []} for a in ips],
                "routes": [{"cidr": r.get("destination"),
                            "gateway": _ip(r.get("nexthop"), "gateway", version),
                            "interface": None, "meta": {}}
                           for r in sub.get("host_routes") or []],
                "version": version, "meta": meta,
            })
        return out


def _ip(address: Any, type_: str, version: int) -> Doc:
    return {"address": address, "type": type_, "version": version, "meta": {}}


def _bridge(port: Doc, net: Doc) -> str | None:
    """Nova's bridge of a VIF: OVS names it in the binding, Linux bridge is brq<net[:11]>."""
    vif_type = port.get("binding:vif_type")
    if vif_type == "ovs":
        return (port.get("binding:vif_details") or {}).get("bridge_name") or "br-int"
    if vif_type == "bridge":
        return "brq" + str(net["id"])[:11]
    return None


def networks_of(network_info: list[Doc]) -> list[str]:
    """The distinct network ids of a ``network_info``, in order."""
    return list(dict.fromkeys(str(v["network"]["id"]) for v in network_info
                              if isinstance(v, dict) and v.get("network")))


def first_address(network_info: list[Doc]) -> str | None:
    """The instance's own address: the first fixed IP of its first vNIC that has one."""
    for vif in network_info:
        network = vif.get("network") if isinstance(vif, dict) else None
        for subnet in (network or {}).get("subnets") or []:
            for ip in subnet.get("ips") or []:
                if ip.get("address"):
                    return str(ip["address"])
    return None
