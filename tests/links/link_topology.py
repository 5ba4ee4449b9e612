"""Small, consistent inventories for the link and clique finder tests.

``ovs_cloud`` builds one compute host with one instance per network and one network node
with a DHCP namespace per network, in the shapes the scan stores (ids as in the
reference: vNIC ``<host>-<tap>``, OTEP ``<host>-otep``, host pNIC ``<ifname>-<mac>``).
``hybrid=True`` puts each instance tap behind a ``qbr`` bridge (veth ``qvb``/``qvo``);
``hybrid=False`` puts the tap directly on br-int (openvswitch firewall).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from calipso.env_config import EnvironmentConfig
from calipso.links.base import LinkContext

Doc = dict[str, Any]

COMPUTE = "compute-1"
NETWORK_NODE = "network-1"
NETWORKS = {"net-a": ("11111111-aaaa-4000-8000-000000000001", 101),
            "net-b": ("22222222-bbbb-4000-8000-000000000002", 102)}


def env_config(name: str, mechanism: str = "OVS", type_driver: str = "vxlan",
               distribution: str = "Devstack") -> EnvironmentConfig:
    return EnvironmentConfig.model_validate({
        "name": name, "distribution": distribution, "distribution_version": "2026.2",
        "mechanism_drivers": [mechanism], "type_drivers": type_driver,
        "configuration": [
            {"name": "OpenStack", "host": "127.0.0.1", "user": "admin", "pwd": "x"},
            {"name": "CLI", "host": "127.0.0.1", "user": "root", "pwd": "x"},
        ]})


def now_ms() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def link_context(db: AsyncDatabase, env: EnvironmentConfig,
                 scanned_at: datetime | None = None) -> LinkContext:
    import logging
    return LinkContext(db=db, env=env, scanned_at=scanned_at or now_ms(),
                       log=logging.LoggerAdapter(logging.getLogger("tests.links"),
                                                 {"env": env.name}))


def new_env_name() -> str:
    return f"links-{uuid.uuid4().hex[:8]}"


def _tap(n: int) -> str:
    return f"{n:08x}-{n:02x}"[:14]


def _mac(n: int) -> str:
    return f"fa:16:3e:00:00:{n:02x}"


def _host(name: str, host_type: list[str]) -> Doc:
    return {"id": name, "type": "host", "name": name, "host": name, "host_type": host_type,
            "parent_id": "nova", "parent_type": "availability_zone"}


def _pnics(host: str, tunnel_ip: str, n: int) -> list[Doc]:
    return [
        {"id": f"eth0-52:54:00:00:{n:02x}:00", "type": "host_pnic", "name": "eth0",
         "host": host, "mac_address": f"52:54:00:00:{n:02x}:00", "Link detected": "yes",
         "IP Address": f"10.0.0.{n}", "parent_id": f"{host}-host_pnics"},
        {"id": f"eth1-52:54:00:00:{n:02x}:01", "type": "host_pnic", "name": "eth1",
         "host": host, "mac_address": f"52:54:00:00:{n:02x}:01", "Link detected": "yes",
         "IP Address": tunnel_ip, "parent_id": f"{host}-host_pnics"},
    ]


def _vedge(host: str, ports: dict[str, Doc], n: int) -> Doc:
    base = {"br-int": {"id": "1", "name": "br-int", "internal": True},
            "patch-tun": {"id": "2", "name": "patch-tun", "internal": False}}
    return {"id": f"agent-{n:04d}-{host}", "type": "vedge", "name": f"{host}-OVS",
            "host": host, "agent_type": "Open vSwitch agent", "ports": base | ports,
            "parent_id": f"{host}-vedges", "parent_type": "vedges_folder"}


def _otep(host: str, vedge_id: str, ip: str) -> Doc:
    return {"id": f"{host}-otep", "type": "otep", "name": f"{host}-otep", "host": host,
            "parent_id": vedge_id, "parent_type": "vedge", "ip_address": ip,
            "overlay_type": "vxlan", "udp_port": "4789"}


def ovs_cloud(hybrid: bool = True) -> list[Doc]:
    """Docs of the two-host OVS cloud (without ``environment``)."""
    docs: list[Doc] = [_host(COMPUTE, ["Compute"]),
                       _host(NETWORK_NODE, ["Controller", "Network"])]
    docs += _pnics(COMPUTE, "192.168.2.1", 1) + _pnics(NETWORK_NODE, "192.168.2.2", 2)
    compute_ports: dict[str, Doc] = {}
    network_ports: dict[str, Doc] = {}
    for i, (net_name, (net_id, segment)) in enumerate(NETWORKS.items(), start=1):
        docs.append({"id": net_id, "type": "network", "name": net_name, "network": net_id,
                     "provider:segmentation_id": segment,
                     "provider:network_type": "vxlan", "parent_id": "p-networks"})
        vm, tap, mac = f"inst-{net_name}", f"tap{_tap(i)}", _mac(i)
        docs.append({"id": vm, "type": "instance", "name": f"vm-{net_name}",
                     "host": COMPUTE, "network": [net_id], "parent_id": f"{COMPUTE}-instances",
                     "network_info": [{"devname": tap, "address": mac, "id": f"port-{i}",
                                       "network": {"id": net_id, "label": net_name}}]})
        docs.append({"id": f"{COMPUTE}-{tap}", "type": "vnic", "name": tap, "host": COMPUTE,
                     "vnic_type": "instance_vnic", "instance_id": vm, "mac_address": mac,
                     "parent_id": f"{vm}-vnics", "parent_type": "vnics_folder"})
        docs.append({"id": f"port-{i}", "type": "port", "name": mac, "network_id": net_id,
                     "binding:host_id": COMPUTE, "mac_address": mac})
        if hybrid:
            qbr, qvb, qvo = f"qbr{_tap(i)}", f"qvb{_tap(i)}", f"qvo{_tap(i)}"
            docs.append({"id": f"{COMPUTE}-{qbr}-8000.{i}", "type": "vconnector",
                         "name": f"{COMPUTE}-{qbr}", "bridge_name": qbr, "host": COMPUTE,
                         "interfaces_names": [qvb, tap],
                         "interfaces": {qvb: {"name": qvb, "mac_address": mac},
                                        tap: {"name": tap, "mac_address": mac}},
                         "parent_id": f"{COMPUTE}-vconnectors"})
            compute_ports[qvo] = {"id": str(10 + i), "name": qvo, "tag": str(i)}
        else:
            compute_ports[tap] = {"id": str(10 + i), "name": tap, "tag": str(i)}
        # The DHCP namespace of the network on the network node.
        ns, dtap, dmac = f"qdhcp-{net_id}", f"tap{_tap(100 + i)}", _mac(100 + i)
        vservice_id = f"{NETWORK_NODE}-{ns}"
        docs.append({"id": vservice_id, "type": "vservice", "name": f"dhcp-{net_name}",
                     "object_name": f"dhcp-{net_name}", "host": NETWORK_NODE,
                     "service_type": "dhcp", "network": [net_id],
                     "local_service_id": ns, "parent_id": f"{NETWORK_NODE}-vservices-dhcps"})
        docs.append({"id": f"{NETWORK_NODE}-{dtap}", "type": "vnic", "name": dtap,
                     "object_name": dtap, "host": NETWORK_NODE, "vnic_type": "vservice_vnic",
                     "mac_address": dmac, "network": net_id,
                     "parent_id": f"{vservice_id}-vnics", "parent_type": "vnics_folder"})
        docs.append({"id": f"dport-{i}", "type": "port", "name": dmac, "network_id": net_id,
                     "binding:host_id": NETWORK_NODE, "mac_address": dmac})
        network_ports[dtap] = {"id": str(20 + i), "name": dtap, "tag": str(i)}
    compute_vedge = _vedge(COMPUTE, compute_ports, 1)
    network_vedge = _vedge(NETWORK_NODE, network_ports, 2)
    docs += [compute_vedge, network_vedge,
             _otep(COMPUTE, compute_vedge["id"], "192.168.2.1"),
             _otep(NETWORK_NODE, network_vedge["id"], "192.168.2.2")]
    return docs


async def want_implicit(db: AsyncDatabase, env: str) -> None:
    """A clique type of ``env`` that uses implicit links (they are made only for one)."""
    await db.clique_types.insert_one({
        "environment": env, "focal_point_type": "instance", "name": "implicit",
        "link_types": ["instance-network"], "use_implicit_links": True})


async def insert(db: AsyncDatabase, env: str, docs: list[Doc]) -> None:
    await db.inventory.insert_many([{**d, "environment": env} for d in docs])


async def links_of(db: AsyncDatabase, env: str, **query: Any) -> list[Doc]:
    return await db.links.find({"environment": env, **query}).to_list(None)


def pairs(links: list[Doc]) -> set[tuple[str, str, str]]:
    return {(d["link_type"], d["source_id"], d["target_id"]) for d in links}
