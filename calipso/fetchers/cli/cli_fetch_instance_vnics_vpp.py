"""vNICs of an instance on a VPP host: vhost-user interfaces of its libvirt domain.

Same commands as ``CliFetchInstanceVnics``; a vhost-user interface has no tap device, so
the id is ``<host>-<libvirt name>-<interface type>-<MAC>`` and the name that id without
the host.
"""

from __future__ import annotations

from calipso.fetchers.base import Doc
from calipso.fetchers.cli.cli_fetch_instance_vnics import CliFetchInstanceVnics, vnic_fields
from calipso.fetchers.cli.parse.virsh import Domain
from calipso.fetchers.cli.scope import PortIndex


class CliFetchInstanceVnicsVpp(CliFetchInstanceVnics):
    def shape(self, host: str, instance_id: str, domain: Domain,
              ports: PortIndex) -> list[Doc]:
        return shape_instance_vnics_vpp(host, instance_id, domain, ports)


def shape_instance_vnics_vpp(host: str, instance_id: str, domain: Domain,
                             ports: PortIndex) -> list[Doc]:
    docs = []
    for iface in domain.interfaces:
        name = f"{domain.name}-{iface.type}-{iface.mac_address}"
        doc = vnic_fields(host, instance_id, domain, iface, ports)
        doc.update(id=f"{host}-{name}", name=name, object_name=name)
        docs.append(doc)
    return docs
