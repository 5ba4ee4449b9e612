"""The object and link collector of the truth, and the id rules shared by its parts."""

from __future__ import annotations

from typing import Any

from calipso.sim.cloud import Cloud
from calipso.sim.model import OWNER_COMPUTE, Host, Port, ns_devname

Doc = dict[str, Any]


class TruthBuilder:
    """Collects objects with their paths; `add` returns the new object (a parent for more)."""

    def __init__(self, env: str) -> None:
        self.env = env
        self.root: Doc = {"type": "environment", "id": env, "id_path": f"/{env}",
                          "name_path": f"/{env}"}
        self.objects: list[Doc] = []
        self.links: list[Doc] = []
        self.by_id: dict[tuple[str, str], Doc] = {}

    def add(self, type_: str, ident: str, name: str, parent: Doc, **fields: Any) -> Doc:
        doc = {
            "type": type_, "id": ident, "name": name, "object_name": name,
            "parent_type": parent["type"], "parent_id": parent["id"],
            "id_path": f"{parent['id_path']}/{ident}",
            "name_path": f"{parent['name_path']}/{name}", **fields,
        }
        self.objects.append(doc)
        self.by_id[(type_, ident)] = doc
        return doc

    def folder(self, types_name: str, ident: str, text: str, parent: Doc) -> Doc:
        """A folder object: type `<types_name>_folder`, stored name = its text."""
        return self.add(f"{types_name}_folder", ident, text, parent)

    def get(self, type_: str, ident: str) -> Doc | None:
        return self.by_id.get((type_, ident))

    def link(self, source: Doc, target: Doc, link_name: str, network: str | None = None,
             host: str | None = None, state: str = "up") -> Doc:
        """A link `<source type>-<target type>`; `network` goes into `attributes`."""
        doc = {
            "link_type": f"{source['type']}-{target['type']}", "source_id": source["id"],
            "target_id": target["id"], "link_name": link_name, "state": state,
            "link_weight": 0, "implicit": False,
            "attributes": {"network": network} if network else {},
        }
        if host:
            doc["host"] = host
        self.links.append(doc)
        return doc


def vnic_id(cloud: Cloud, host: Host, port: Port) -> str:
    """The vnic id of a port's device on `host` (README "Id conventions")."""
    if port.device_owner == OWNER_COMPUTE:
        if cloud.spec.driver == "vpp":
            inst = cloud.instances[port.device_id]
            return f"{host.name}-{inst.libvirt_name}-vhostuser-{port.mac}"
        return f"{host.name}-tap{port.id[:11]}"
    return f"{host.name}-{ns_devname(port)}"


