"""The simulated cloud: every record, its indexes, and the mutations channels call.

`Cloud` is the one mutable object of the simulator. Records (see `model`) are frozen; a
mutation replaces them and keeps every index and allocation consistent, then tells the
listeners (`subscribe`) one `Change` per record created, updated or deleted, in order.
Lookups, indexes and the change feed live in `cloud_index.CloudIndex`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import replace

from calipso.errors import Conflict, InvalidInput, NotFound
from calipso.sim import cloud_ops
from calipso.sim.cloud_agents import CloudAgents
from calipso.sim.cloud_index import Change, HostAlloc, Listener, operation
from calipso.sim.model import (
    OWNER_COMPUTE,
    OWNER_DHCP,
    OWNER_DISTRIBUTED,
    OWNER_ROUTER_GATEWAY,
    OWNER_ROUTER_INTERFACE,
    FixedIp,
    Instance,
    Network,
    Port,
    Router,
    Subnet,
)

__all__ = ["Change", "Cloud", "HostAlloc", "Listener"]


class Cloud(CloudAgents):
    """A simulated cloud: `CloudIndex` plus the mutations the API channel calls (those
    of agents and Nova services in `CloudAgents`)."""

    # ---- networks and subnets --------------------------------------------------------

    @operation
    def create_network(
        self, name: str, project_id: str, network_type: str | None = None, *,
        shared: bool = False, external: bool = False, physnet: str | None = None,
        segmentation_id: int | None = None, mtu: int | None = None,
        network_id: str | None = None, region: str | None = None,
    ) -> Network:
        self._get(self.projects, "project", project_id)
        net = cloud_ops.new_network(self, name, project_id, network_type, shared, external,
                                    physnet, segmentation_id, mtu, network_id)
        if region is not None and region != next(iter(self.regions)):
            net = replace(net, region=self._get(self.regions, "region", region).name)
        self.networks[net.id] = net
        self._emit("create", "network", net.id, net)
        return net

    @operation
    def delete_network(self, network_id: str) -> None:
        net = self.network(network_id)
        busy = [p for p in self.ports_on_network(network_id)
                if p.device_owner not in cloud_ops.SERVICE_OWNERS]
        if busy:
            raise Conflict(f"network {network_id} has {len(busy)} ports in use",
                           field="network_id")
        for subnet_id in net.subnet_ids:
            self.delete_subnet(subnet_id)
        seg = self.networks.pop(network_id)
        if seg.segmentation_id is not None:
            self._segments.discard((seg.network_type, seg.segmentation_id))
        self._emit("delete", "network", network_id, net)

    @operation
    def create_subnet(
        self, network_id: str, cidr: str, name: str = "", *, enable_dhcp: bool = True,
        gateway_ip: str | None = "auto", subnet_id: str | None = None,
    ) -> Subnet:
        net = self.network(network_id)
        sub = cloud_ops.new_subnet(self, net, cidr, name, enable_dhcp, gateway_ip, subnet_id)
        self.subnets[sub.id] = sub
        self._ips_used[sub.id] = set()
        self._reserve(sub, sub.gateway_ip)
        self.networks[net.id] = replace(net, subnet_ids=(*net.subnet_ids, sub.id))
        self._emit("create", "subnet", sub.id, sub)
        if enable_dhcp:
            self._ensure_dhcp_port(self.networks[net.id], sub)
        return sub

    @operation
    def delete_subnet(self, subnet_id: str) -> None:
        sub = self.subnet(subnet_id)
        users = [p for p in self.ports_on_network(sub.network_id)
                 if any(ip.subnet_id == subnet_id for ip in p.fixed_ips)]
        if any(p.device_owner not in cloud_ops.SERVICE_OWNERS for p in users):
            raise Conflict(f"subnet {subnet_id} has ports in use", field="subnet_id")
        net = self.networks[sub.network_id]
        for port in users:  # DHCP ports: drop this subnet's address, or the port
            rest = tuple(ip for ip in port.fixed_ips if ip.subnet_id != subnet_id)
            if rest:
                self._update_port(replace(port, fixed_ips=rest))
            else:
                self.delete_port(port.id)
        del self.subnets[subnet_id]
        del self._ips_used[subnet_id]
        self._ip_hint.pop(subnet_id, None)
        self.networks[net.id] = replace(
            net, subnet_ids=tuple(s for s in net.subnet_ids if s != subnet_id))
        if not any(self.subnets[s].enable_dhcp for s in self.networks[net.id].subnet_ids):
            self._dhcp_host.pop(net.id, None)
        self._emit("delete", "subnet", subnet_id, sub)

    def _ensure_dhcp_port(self, net: Network, sub: Subnet) -> None:
        if self.spec.driver == "ovn":  # OVN answers DHCP itself: a metadata port, unbound
            self._ensure_metadata_port(net, sub)
            return
        host = self._dhcp_host.get(net.id)
        if host is None:
            host = self._dhcp_host[net.id] = self._next_network_host(
                self.region_of_network(net.id))
        dhcp = [p for p in self.ports_on_network(net.id) if p.device_owner == OWNER_DHCP]
        if dhcp:
            port = dhcp[0]
            ip = self.allocate_ip(sub)
            self._update_port(replace(port, fixed_ips=(*port.fixed_ips, ip)))
            return
        agent = next((a for a in self.agents_on_host(host) if a.binary == "neutron-dhcp-agent"),
                     None)
        agent_key = agent.id if agent else self.new_uuid()
        device_id = f"dhcp{agent_key}-{net.id}"
        self.create_port(net.id, device_owner=OWNER_DHCP, device_id=device_id, host=host,
                         project_id=net.project_id)

    def _ensure_metadata_port(self, net: Network, sub: Subnet) -> None:
        ports = [p for p in self.ports_on_network(net.id) if p.device_owner == OWNER_DISTRIBUTED]
        if ports:
            ip = self.allocate_ip(sub)
            self._update_port(replace(ports[0], fixed_ips=(*ports[0].fixed_ips, ip)))
            return
        self.create_port(net.id, device_owner=OWNER_DISTRIBUTED, device_id=f"ovnmeta-{net.id}",
                         host="", project_id=net.project_id)

    def _next_network_host(self, region: str | None = None) -> str:
        hosts = self.network_hosts(region)
        if not hosts:
            raise Conflict("no network host for DHCP or L3", field="host")
        host = hosts[self._round_robin % len(hosts)]
        self._round_robin += 1
        return host.name

    # ---- addresses -------------------------------------------------------------------

    def _reserve(self, sub: Subnet, ip: str | None) -> None:
        if ip:
            self._ips_used[sub.id].add(int(ipaddress.ip_address(ip)))

    def allocate_ip(self, sub: Subnet, ip: str | None = None) -> FixedIp:
        """Take `ip` (or the next free one of the allocation pools) in `sub`."""
        used = self._ips_used[sub.id]
        if ip is not None:
            value = int(ipaddress.ip_address(ip))
            if value in used:
                raise Conflict(f"IP address {ip} already allocated in subnet {sub.id}",
                               field="fixed_ips")
        else:
            value = cloud_ops.first_free(sub, used, self._ip_hint)
        used.add(value)
        return FixedIp(sub.id, str(ipaddress.ip_address(value)))

    # ---- ports -----------------------------------------------------------------------

    @operation
    def create_port(
        self, network_id: str, *, device_owner: str = "", device_id: str = "",
        host: str = "", name: str = "", project_id: str | None = None,
        fixed_ips: Iterable[tuple[str, str | None]] | None = None, mac: str | None = None,
        port_id: str | None = None,
    ) -> Port:
        """Create a port; `fixed_ips` are (subnet id, ip or None); default: first subnet."""
        net = self.network(network_id)
        if host:
            self.host(host)
        port = cloud_ops.new_port(self, net, device_owner, device_id, host, name,
                                  project_id or net.project_id, fixed_ips, mac, port_id)
        self._index_port(port)
        self._emit("create", "port", port.id, port)
        return port

    @operation
    def bind_port(self, port_id: str, host: str, device_owner: str = OWNER_COMPUTE,
                  device_id: str = "") -> Port:
        """Bind an (unbound) port to a host, as Nova does when it plugs it."""
        port = self.port(port_id)
        self.host(host)
        if port.host:
            raise Conflict(f"port {port_id} already bound to {port.host}", field="port_id")
        vif_type, details = cloud_ops.vif_binding(self.spec, device_owner, port.id, host)
        new = replace(port, host=host, device_owner=device_owner,
                      device_id=device_id or port.device_id, vif_type=vif_type,
                      vif_details=details, status="ACTIVE")
        self._unindex_port(port)
        self._index_port(new)
        self._emit("update", "port", new.id, new)
        return new

    @operation
    def rename_port(self, port_id: str, name: str) -> Port:
        """Rename a port (Neutron's `PUT /v2.0/ports/{id}` with a name)."""
        port = replace(self.port(port_id), name=name)
        self._update_port(port)
        return port

    @operation
    def delete_port(self, port_id: str) -> None:
        port = self.port(port_id)
        if port.device_owner == OWNER_COMPUTE and port.device_id in self.instances:
            inst = self.instances[port.device_id]
            self.instances[inst.uuid] = replace(
                inst, port_ids=tuple(p for p in inst.port_ids if p != port_id))
        self._unindex_port(port)
        for ip in port.fixed_ips:
            self._ips_used.get(ip.subnet_id, set()).discard(
                int(ipaddress.ip_address(ip.ip_address)))
        self._macs.discard(port.mac)
        self._emit("delete", "port", port_id, port)

    def _update_port(self, port: Port) -> None:
        self._unindex_port(self.ports[port.id])
        self._index_port(port)
        self._emit("update", "port", port.id, port)

    # ---- instances -------------------------------------------------------------------

    @operation
    def create_instance(
        self, name: str, project_id: str, network_ids: Iterable[str], *, host: str | None = None,
        flavor_id: str | None = None, image_id: str | None = None, user_id: str | None = None,
        instance_id: str | None = None,
    ) -> Instance:
        """Boot an instance: one bound port per network, a libvirt domain on `host`."""
        self._get(self.projects, "project", project_id)
        nets = [self.network(n) for n in network_ids]
        if not nets:
            raise InvalidInput("an instance needs at least one network", field="networks")
        for net in nets:
            if not net.subnet_ids:
                raise Conflict(f"network {net.id} has no subnet", field="networks")
        host_rec = self.host(host) if host else cloud_ops.least_loaded_compute(
            self, self.region_of_network(nets[0].id))  # a compute of the networks' region
        if not host_rec.is_compute:
            raise InvalidInput(f"host {host_rec.name} is not a compute host", field="host")
        uuid_ = instance_id or self.new_uuid()
        if uuid_ in self.instances:
            raise Conflict(f"instance {uuid_} exists", field="id")
        ports: list[Port] = []
        try:
            for net in nets:
                ports.append(self.create_port(net.id, device_owner=OWNER_COMPUTE,
                                              device_id=uuid_, host=host_rec.name,
                                              project_id=project_id))
        except Exception:
            for port in ports:  # a failed boot leaves no ports behind
                self.delete_port(port.id)
            raise
        alloc = self.alloc[host_rec.name]
        inst = Instance(
            uuid=uuid_, name=name, db_id=self._next_instance_db_id,
            domain_id=alloc.next_domain, host=host_rec.name, project_id=project_id,
            user_id=user_id or next(iter(self.users)),
            flavor_id=flavor_id or next(iter(self.flavors)),
            image_id=image_id or next(iter(self.images)),
            port_ids=tuple(p.id for p in ports), availability_zone=host_rec.availability_zone,
        )
        self._next_instance_db_id += 1
        alloc.next_domain += 1
        self.instances[uuid_] = inst
        self._instances_by_host.setdefault(inst.host, {})[uuid_] = None
        self._emit("create", "instance", uuid_, inst)
        return inst

    @operation
    def delete_instance(self, uuid_: str) -> None:
        inst = self.instance(uuid_)
        for port_id in inst.port_ids:
            if port_id in self.ports:
                self.delete_port(port_id)
        inst = self.instances.pop(uuid_)
        self._instances_by_host[inst.host].pop(uuid_, None)
        self._emit("delete", "instance", uuid_, inst)

    @operation
    def rename_instance(self, uuid_: str, name: str) -> Instance:
        inst = self.instance(uuid_)
        if not name.strip():
            raise InvalidInput("Invalid input for field/attribute name.", field="name")
        return self._replace_instance(replace(inst, name=name))

    @operation
    def set_instance_power(self, uuid_: str, on: bool) -> Instance:
        """Start (`on`) or stop an instance, as `os-start` / `os-stop` do."""
        inst = self.instance(uuid_)
        status, power_state = ("ACTIVE", 1) if on else ("SHUTOFF", 4)
        if inst.status == status:
            raise Conflict(f"instance {uuid_} is already {status}", field="server_id")
        return self._replace_instance(replace(inst, status=status, power_state=power_state))

    def _replace_instance(self, inst: Instance) -> Instance:
        self.instances[inst.uuid] = inst
        self._emit("update", "instance", inst.uuid, inst)
        return inst

    # ---- routers ---------------------------------------------------------------------

    @operation
    def create_router(self, name: str, project_id: str, *,
                      external_network_id: str | None = None,
                      router_id: str | None = None, region: str | None = None) -> Router:
        self._get(self.projects, "project", project_id)
        router = Router(id=router_id or self.new_uuid(), name=name, project_id=project_id,
                        host=self._next_network_host(region))
        self.routers[router.id] = router
        self._emit("create", "router", router.id, router)
        if external_network_id:
            router = self.set_router_gateway(router.id, external_network_id)
        return router

    @operation
    def set_router_gateway(self, router_id: str, network_id: str) -> Router:
        router = self.router(router_id)
        net = self.network(network_id)
        if not net.external:
            raise InvalidInput(f"network {network_id} is not external",
                               field="external_gateway_info")
        if router.gw_port_id:
            self.clear_router_gateway(router_id)
            router = self.routers[router_id]
        port = self.create_port(net.id, device_owner=OWNER_ROUTER_GATEWAY, device_id=router.id,
                                host=router.host, project_id="")
        router = replace(router, gw_network_id=net.id, gw_port_id=port.id)
        self.routers[router.id] = router
        self._emit("update", "router", router.id, router)
        return router

    @operation
    def clear_router_gateway(self, router_id: str) -> Router:
        router = self.router(router_id)
        if router.gw_port_id and router.gw_port_id in self.ports:
            self.delete_port(router.gw_port_id)
        router = replace(router, gw_network_id=None, gw_port_id=None)
        self.routers[router.id] = router
        self._emit("update", "router", router.id, router)
        return router

    @operation
    def add_router_interface(self, router_id: str, subnet_id: str) -> Port:
        """Plug a router into a subnet at its gateway IP (qr- device in qrouter-<id>)."""
        router = self.router(router_id)
        sub = self.subnet(subnet_id)
        for port in self.router_ports(router_id):
            if any(ip.subnet_id == subnet_id for ip in port.fixed_ips):
                raise Conflict(f"router {router_id} already has subnet {subnet_id}",
                               field="subnet_id")
        ips: list[tuple[str, str | None]] = [(sub.id, sub.gateway_ip)]
        if sub.gateway_ip:
            self._ips_used[sub.id].discard(int(ipaddress.ip_address(sub.gateway_ip)))
        port = self.create_port(sub.network_id, device_owner=OWNER_ROUTER_INTERFACE,
                                device_id=router.id, host=router.host,
                                project_id=router.project_id, fixed_ips=ips)
        self._emit("update", "router", router.id, router)
        return port

    @operation
    def remove_router_interface(self, router_id: str, subnet_id: str) -> None:
        router = self.router(router_id)
        for port in self.router_ports(router_id):
            if (port.device_owner == OWNER_ROUTER_INTERFACE
                    and any(ip.subnet_id == subnet_id for ip in port.fixed_ips)):
                self.delete_port(port.id)
                sub = self.subnets.get(subnet_id)
                if sub is not None:
                    self._reserve(sub, sub.gateway_ip)
                self._emit("update", "router", router.id, router)
                return
        raise NotFound(f"router {router_id} has no interface on subnet {subnet_id}",
                       field="subnet_id")

    @operation
    def delete_router(self, router_id: str) -> None:
        router = self.router(router_id)
        if any(p.device_owner == OWNER_ROUTER_INTERFACE for p in self.router_ports(router_id)):
            raise Conflict(f"router {router_id} still has interfaces", field="router_id")
        if router.gw_port_id:
            self.clear_router_gateway(router_id)
        router = self.routers.pop(router_id)
        self._emit("delete", "router", router_id, router)
