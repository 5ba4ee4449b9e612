"""Cliques of the truth: the shipped `ANY` clique types walked over the truth's links.

The walk follows the original algorithm (reference §5.3): per link type `X-Y` in order,
backwards over `Y-X` links when those exist, else forwards over `X-Y`; a link whose
`attributes.network` is not among the focal point's networks is skipped; the walk stops at
the first link type that adds no node. A focal point without links has no clique.
"""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]

CLIQUE_TYPES: dict[str, tuple[str, ...]] = {
    "instance": ("instance-vnic", "vnic-vconnector", "vconnector-vedge", "vedge-otep",
                 "otep-vconnector", "vconnector-host_pnic", "host_pnic-network"),
    "vservice": ("vservice-vnic", "vnic-vedge", "vedge-otep", "otep-vconnector",
                 "vconnector-host_pnic", "host_pnic-network"),
    "network": ("network-host_pnic", "host_pnic-vconnector", "vconnector-otep", "otep-vedge",
                "vedge-vconnector", "vedge-vnic", "vconnector-vnic", "vnic-instance",
                "vnic-vservice"),
}


class _LinkIndex:
    def __init__(self, links: list[Doc]) -> None:
        self.types: set[str] = set()
        self.by_source: dict[tuple[str, str], list[Doc]] = {}
        self.by_target: dict[tuple[str, str], list[Doc]] = {}
        for link in links:
            lt = link["link_type"]
            self.types.add(lt)
            self.by_source.setdefault((lt, link["source_id"]), []).append(link)
            self.by_target.setdefault((lt, link["target_id"]), []).append(link)


def _allowed(link: Doc, networks: list[str]) -> bool:
    net = link["attributes"].get("network")
    return net is None or net in networks


def clique_of(focal: Doc, link_types: tuple[str, ...], index: _LinkIndex) -> Doc | None:
    nodes: dict[str, set[str]] = {focal["type"]: {focal["id"]}}
    net = focal.get("network")
    networks = net if isinstance(net, list) else [net] if net else []
    chosen: dict[int, Doc] = {}
    for link_type in link_types:
        src_type, dst_type = link_type.split("-", 1)
        known = nodes.get(src_type)
        if not known:
            break
        reverse = f"{dst_type}-{src_type}"
        added: set[str] = set()
        for node in sorted(known):
            if reverse in index.types:
                candidates = index.by_target.get((reverse, node), ())
                far = "source_id"
            else:
                candidates = index.by_source.get((link_type, node), ())
                far = "target_id"
            for link in candidates:
                if id(link) in chosen or (networks and not _allowed(link, networks)):
                    continue
                chosen[id(link)] = link
                if link[far] not in nodes.get(dst_type, ()):
                    added.add(link[far])
        if not added:
            break
        nodes.setdefault(dst_type, set()).update(added)
    if not chosen:
        return None
    objects = sorted({i for ids in nodes.values() for i in ids})
    return {
        "focal_point_type": focal["type"], "focal_point_id": focal["id"],
        "clique_type": focal["type"], "objects": objects,
        "links": [[link["link_type"], link["source_id"], link["target_id"]]
                  for link in chosen.values()],
    }


def find_cliques(objects: list[Doc], links: list[Doc], driver: str) -> list[Doc]:
    """One clique per instance, vservice and network that has links (driver: reserved for
    driver-specific clique types; the shipped ANY types serve every driver)."""
    index = _LinkIndex(links)
    out = []
    for obj in objects:
        types = CLIQUE_TYPES.get(obj["type"])
        if types is None:
            continue
        clique = clique_of(obj, types, index)
        if clique is not None:
            out.append(clique)
    return out
