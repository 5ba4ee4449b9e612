"""libvirt's `virsh list [--all]` and `virsh dumpxml DOMAIN` from a host's wiring.

`virsh list` uses the current column layout (libvirt 5+, as `cli/lxb/virsh_list.compute`);
`dumpxml` writes the domain XML Nova generates (nova metadata, sysinfo with the instance
uuid, disk, one `<interface>` per Neutron port, serial/console, graphics), in the shape of
`cli/generic/virsh_dumpxml_38` with the interface forms of each driver. Pure functions; the
caller collects what the domain does not carry (`DomainFacts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from calipso.sim.wiring import Domain, DomainIface

NOVA_VERSION = "29.2.0"


@dataclass(frozen=True, slots=True)
class DomainFacts:
    """Nova facts a domain's XML embeds."""

    display_name: str
    created_at: str
    flavor_name: str
    memory_mb: int
    vcpus: int
    disk_gb: int
    user_id: str
    user_name: str
    project_id: str
    project_name: str
    image_id: str
    mtus: Mapping[str, int]  # port id -> network MTU


def render_virsh_list(domains: Sequence[Domain]) -> str:
    rows = [(str(d.domain_id), d.name, "running") for d in sorted(domains,
                                                                 key=lambda d: d.domain_id)]
    widths = [max([len(head)] + [len(row[i]) for row in rows])
              for i, head in enumerate(("Id", "Name", "State"))]
    header = f" {'Id'.ljust(widths[0])}   {'Name'.ljust(widths[1])}   State"
    lines = [header, "-" * (sum(widths) + 9)]
    lines += [f" {i.ljust(widths[0])}   {n.ljust(widths[1])}   {s}" for i, n, s in rows]
    return "\n".join(lines) + "\n"


def find_domain(domains: Sequence[Domain], ref: str) -> Domain | None:
    """`virsh` accepts a domain's Id, name or uuid."""
    for domain in domains:
        if ref in (str(domain.domain_id), domain.name, domain.instance_id):
            return domain
    return None


def _interface(iface: DomainIface, slot: int, mtu: int | None, number: int) -> list[str]:
    if iface.type == "vhostuser":
        lines = ["    <interface type='vhostuser'>",
                 f"      <mac address='{iface.mac}'/>",
                 f"      <source type='unix' path={quoteattr(iface.target)} mode='server'/>",
                 "      <model type='virtio'/>"]
    else:
        lines = ["    <interface type='bridge'>",
                 f"      <mac address='{iface.mac}'/>",
                 f"      <source bridge='{iface.source_bridge}'/>"]
        if iface.virtualport:
            lines += [f"      <virtualport type='{iface.virtualport}'>",
                      f"        <parameters interfaceid='{iface.port_id}'/>",
                      "      </virtualport>"]
        lines += [f"      <target dev='{iface.target}'/>", "      <model type='virtio'/>",
                  "      <driver name='vhost' rx_queue_size='512'/>"]
    if mtu:
        lines.append(f"      <mtu size='{mtu}'/>")
    lines += [f"      <alias name='net{number}'/>",
              f"      <address type='pci' domain='0x0000' bus='0x00' slot='0x{slot:02x}' "
              "function='0x0'/>",
              "    </interface>"]
    return lines


def render_dumpxml(domain: Domain, facts: DomainFacts) -> str:
    uuid = domain.instance_id
    base = f"/var/lib/nova/instances/{uuid}"
    memory_kib = facts.memory_mb * 1024
    lines = [
        f"<domain type='kvm' id='{domain.domain_id}'>",
        f"  <name>{domain.name}</name>",
        f"  <uuid>{uuid}</uuid>",
        "  <metadata>",
        '    <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">',
        f'      <nova:package version="{NOVA_VERSION}"/>',
        f"      <nova:name>{escape(facts.display_name)}</nova:name>",
        f"      <nova:creationTime>{facts.created_at.replace('T', ' ').rstrip('Z')}"
        "</nova:creationTime>",
        f"      <nova:flavor name={quoteattr(facts.flavor_name)}>",
        f"        <nova:memory>{facts.memory_mb}</nova:memory>",
        f"        <nova:disk>{facts.disk_gb}</nova:disk>",
        "        <nova:swap>0</nova:swap>",
        "        <nova:ephemeral>0</nova:ephemeral>",
        f"        <nova:vcpus>{facts.vcpus}</nova:vcpus>",
        "      </nova:flavor>",
        "      <nova:owner>",
        f'        <nova:user uuid="{facts.user_id}">{escape(facts.user_name)}</nova:user>',
        f'        <nova:project uuid="{facts.project_id}">{escape(facts.project_name)}'
        "</nova:project>",
        "      </nova:owner>",
        f'      <nova:root type="image" uuid="{facts.image_id}"/>',
        "    </nova:instance>",
        "  </metadata>",
        f"  <memory unit='KiB'>{memory_kib}</memory>",
        f"  <currentMemory unit='KiB'>{memory_kib}</currentMemory>",
        f"  <vcpu placement='static'>{facts.vcpus}</vcpu>",
        "  <cputune>",
        f"    <shares>{1024 * facts.vcpus}</shares>",
        "  </cputune>",
        "  <sysinfo type='smbios'>",
        "    <system>",
        "      <entry name='manufacturer'>OpenStack Foundation</entry>",
        "      <entry name='product'>OpenStack Nova</entry>",
        f"      <entry name='version'>{NOVA_VERSION}</entry>",
        f"      <entry name='serial'>{uuid}</entry>",
        f"      <entry name='uuid'>{uuid}</entry>",
        "      <entry name='family'>Virtual Machine</entry>",
        "    </system>",
        "  </sysinfo>",
        "  <os>",
        "    <type arch='x86_64' machine='pc-q35-8.2'>hvm</type>",
        "    <boot dev='hd'/>",
        "    <smbios mode='sysinfo'/>",
        "  </os>",
        "  <features>",
        "    <acpi/>",
        "    <apic/>",
        "  </features>",
        "  <cpu mode='host-model' check='partial'>",
        f"    <topology sockets='{facts.vcpus}' dies='1' cores='1' threads='1'/>",
        "  </cpu>",
        "  <clock offset='utc'/>",
        "  <on_poweroff>destroy</on_poweroff>",
        "  <on_reboot>restart</on_reboot>",
        "  <on_crash>destroy</on_crash>",
        "  <devices>",
        "    <emulator>/usr/bin/qemu-system-x86_64</emulator>",
        "    <disk type='file' device='disk'>",
        "      <driver name='qemu' type='qcow2' cache='none'/>",
        f"      <source file='{base}/disk'/>",
        "      <target dev='vda' bus='virtio'/>",
        "      <alias name='virtio-disk0'/>",
        "      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>",
        "    </disk>",
    ]
    for number, iface in enumerate(domain.interfaces):
        lines += _interface(iface, 3 if number == 0 else 6 + number,
                            facts.mtus.get(iface.port_id), number)
    lines += [
        "    <serial type='pty'>",
        "      <source path='/dev/pts/1'/>",
        f"      <log file='{base}/console.log' append='off'/>",
        "      <target type='isa-serial' port='0'/>",
        "      <alias name='serial0'/>",
        "    </serial>",
        "    <console type='pty' tty='/dev/pts/1'>",
        "      <source path='/dev/pts/1'/>",
        "      <target type='serial' port='0'/>",
        "      <alias name='serial0'/>",
        "    </console>",
        "    <input type='tablet' bus='usb'>",
        "      <alias name='input0'/>",
        "    </input>",
        f"    <graphics type='vnc' port='{5900 + domain.domain_id}' autoport='yes' "
        "listen='0.0.0.0'>",
        "      <listen type='address' address='0.0.0.0'/>",
        "    </graphics>",
        "    <memballoon model='virtio'>",
        "      <alias name='balloon0'/>",
        "      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>",
        "    </memballoon>",
        "  </devices>",
        "  <seclabel type='dynamic' model='apparmor' relabel='yes'>",
        f"    <label>libvirt-{uuid}</label>",
        f"    <imagelabel>libvirt-{uuid}</imagelabel>",
        "  </seclabel>",
        "</domain>",
    ]
    return "\n".join(lines) + "\n\n"
