"""Updates of existing records behind `Cloud`'s mutations: an instance moved to another
compute host (a live or cold migration), a network's or a subnet's attributes changed.

Each function validates first and changes nothing when it refuses (`Conflict`,
`InvalidInput`), as Neutron and Nova answer 409 and 400 without side effects.
"""

from __future__ import annotations

import ipaddress
import itertools
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from calipso.errors import Conflict, InvalidInput
from calipso.sim import cloud_ops
from calipso.sim.model import Instance, Network, Subnet

if TYPE_CHECKING:
    from calipso.sim.cloud import Cloud

# instance states Nova migrates, live and cold (others: 409 "Cannot '<action>' while …")
MIGRATABLE = {"os-migrateLive": frozenset({"ACTIVE", "PAUSED"}),
              "migrate": frozenset({"ACTIVE", "SHUTOFF"})}


def migration_target(cloud: Cloud, inst: Instance, host: str | None, action: str) -> str:
    """The compute host an instance moves to: `host`, else Nova's pick (the least
    loaded other compute of the instance's region)."""
    if inst.status not in MIGRATABLE[action]:
        raise Conflict(f"Cannot '{action}' instance {inst.uuid} while it is in "
                       f"vm_state {inst.status.lower()}", field="server_id")
    source = cloud.host(inst.host)
    if host is None:
        others = [h for h in cloud.compute_hosts()
                  if h.region == source.region and h.name != source.name]
        if not others:
            raise Conflict("No valid host was found. There are not enough hosts available.",
                           field="host")
        return min(others, key=lambda h: (len(cloud.instances_on_host(h.name)), h.index)).name
    target = cloud.host(host)
    if not target.is_compute:
        raise InvalidInput(f"Compute host {host} could not be found.", field="host")
    if target.name == source.name:
        raise InvalidInput(f"Unable to migrate instance ({inst.uuid}) to current host "
                           f"({host}).", field="host")
    if target.region != source.region:
        raise InvalidInput(f"Host {host} is in another region", field="host")
    return target.name


def move_instance(cloud: Cloud, inst: Instance, dest: str, **fields: Any) -> Instance:
    """Rebind the instance's ports to `dest` (the port changes come first, as Neutron
    activates the destination's bindings before Nova records the new host) and put
    the instance there with a new libvirt domain id (and `fields`)."""
    for port_id in inst.port_ids:
        port = cloud.ports[port_id]
        vif_type, details = cloud_ops.vif_binding(cloud.spec, port.device_owner, port.id, dest)
        cloud._update_port(replace(port, host=dest, vif_type=vif_type, vif_details=details),
                           previous=port)
    alloc = cloud.alloc[dest]
    moved = replace(inst, host=dest, domain_id=alloc.next_domain,
                    availability_zone=cloud.hosts[dest].availability_zone, **fields)
    alloc.next_domain += 1
    cloud._instances_by_host[inst.host].pop(inst.uuid, None)
    cloud._instances_by_host.setdefault(dest, {})[inst.uuid] = None
    cloud.instances[inst.uuid] = moved
    cloud._emit("update", "instance", inst.uuid, moved, previous=inst)
    return moved


def updated_network(net: Network, changes: dict[str, Any]) -> Network:
    """`PUT /v2.0/networks/{id}`: the attributes the simulator keeps."""
    allowed = {"name": str, "admin_state_up": bool, "shared": bool}
    fields: dict[str, Any] = {}
    for key, value in changes.items():
        kind = allowed.get(key)
        if kind is None:
            raise InvalidInput(f"Cannot update read-only attribute {key}", field=key)
        if not isinstance(value, kind):
            raise InvalidInput(f"Invalid input for {key}: {value!r}", field=key)
        fields[key] = value
    return replace(net, **fields)


def _address(sub: Subnet, raw: Any, field: str) -> int:
    block = ipaddress.ip_network(sub.cidr)
    try:
        value = ipaddress.ip_address(raw)
    except ValueError as err:
        raise InvalidInput(f"Invalid input for {field}: {raw!r}", field=field) from err
    if value not in block or value in (block.network_address, block.broadcast_address):
        raise InvalidInput(f"{field} {raw} is not a usable address of {sub.cidr}",
                           field=field)
    return int(value)


def _pools(sub: Subnet, raw: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("Invalid input for allocation_pools", field="allocation_pools")
    out: list[tuple[int, int]] = []
    for pool in raw:
        if not isinstance(pool, dict):
            raise InvalidInput("Invalid input for allocation_pools", field="allocation_pools")
        start = _address(sub, pool.get("start"), "allocation_pools")
        end = _address(sub, pool.get("end"), "allocation_pools")
        if start > end:
            raise InvalidInput(f"Invalid allocation pool {pool}", field="allocation_pools")
        out.append((start, end))
    out.sort()
    if any(a[1] >= b[0] for a, b in itertools.pairwise(out)):
        raise InvalidInput("Found overlapping allocation pools", field="allocation_pools")
    return tuple((str(ipaddress.ip_address(a)), str(ipaddress.ip_address(b))) for a, b in out)


def updated_subnet(cloud: Cloud, sub: Subnet, changes: dict[str, Any]) -> Subnet:
    """`PUT /v2.0/subnets/{id}`: name, gateway_ip, enable_dhcp, allocation_pools,
    dns_nameservers, checked as Neutron checks them (no side effect yet)."""
    new = sub
    for key, value in changes.items():
        if key == "name" and isinstance(value, str):
            new = replace(new, name=value)
        elif key == "enable_dhcp" and isinstance(value, bool):
            new = replace(new, enable_dhcp=value)
        elif key == "dns_nameservers" and isinstance(value, list):
            new = replace(new, dns_nameservers=tuple(
                str(ipaddress.ip_address(_checked_ip(v))) for v in value))
        elif key == "allocation_pools":
            new = replace(new, allocation_pools=_pools(sub, value))
        elif key == "gateway_ip" and (value is None or isinstance(value, str)):
            if value is not None:
                _address(sub, value, "gateway_ip")
            new = replace(new, gateway_ip=value)
        else:
            raise InvalidInput(f"Invalid input for {key}: {value!r}", field=key)
    if new.gateway_ip is not None:
        gw = int(ipaddress.ip_address(new.gateway_ip))
        for start, end in new.allocation_pools:
            if int(ipaddress.ip_address(start)) <= gw <= int(ipaddress.ip_address(end)):
                raise Conflict(f"Gateway ip {new.gateway_ip} conflicts with allocation pool "
                               f"{start}-{end}", field="gateway_ip")
    if new.gateway_ip != sub.gateway_ip:
        _check_gateway_move(cloud, sub, new.gateway_ip)
    return new


def _checked_ip(value: Any) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError as err:
        raise InvalidInput(f"Invalid input for dns_nameservers: {value!r}",
                           field="dns_nameservers") from err


def _check_gateway_move(cloud: Cloud, sub: Subnet, new_gw: str | None) -> None:
    holders = {ip.ip_address: p.id for p in cloud.ports_on_network(sub.network_id)
               for ip in p.fixed_ips if ip.subnet_id == sub.id}
    if sub.gateway_ip in holders:
        raise Conflict(f"Current gateway ip {sub.gateway_ip} already in use by port "
                       f"{holders[sub.gateway_ip]}. Unable to update.", field="gateway_ip")
    if new_gw is not None and new_gw in holders:
        raise Conflict(f"IP address {new_gw} already allocated in subnet {sub.id}",
                       field="gateway_ip")


def apply_subnet(cloud: Cloud, old: Subnet, new: Subnet) -> None:
    """Store `new` and follow it: the gateway address reserved, the DHCP port given or
    relieved of an address in the subnet (the agent's doing: no notification of its own)."""
    used = cloud._ips_used[old.id]
    if old.gateway_ip != new.gateway_ip:
        if old.gateway_ip is not None:
            used.discard(int(ipaddress.ip_address(old.gateway_ip)))
        if new.gateway_ip is not None:
            used.add(int(ipaddress.ip_address(new.gateway_ip)))
    cloud.subnets[new.id] = new
    cloud._emit("update", "subnet", new.id, new)
    if old.enable_dhcp == new.enable_dhcp:
        return
    net = cloud.networks[new.network_id]
    if new.enable_dhcp:
        cloud._ensure_dhcp_port(net, new)
        return
    for port in cloud_ops.dhcp_ports(cloud, net.id):
        rest = tuple(ip for ip in port.fixed_ips if ip.subnet_id != new.id)
        if len(rest) == len(port.fixed_ips):
            continue
        for ip in port.fixed_ips:
            if ip.subnet_id == new.id:
                used.discard(int(ipaddress.ip_address(ip.ip_address)))
        if rest:
            cloud._update_port(replace(port, fixed_ips=rest))
        else:
            cloud.delete_port(port.id)
    if not any(cloud.subnets[s].enable_dhcp for s in net.subnet_ids):
        cloud._dhcp_host.pop(net.id, None)
