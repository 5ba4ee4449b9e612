"""Impact and exports against a scanned simulated cloud: a compute host's dependants are
exactly the truth's instances on it (with their networks), a network node's tunnel pNIC
carries exactly its tunnels and networks; a JSON Graph export imports back into a new
environment that exports the same; GraphML and DOT hold every object and link."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from event_rig import event_rig

from calipso.errors import Conflict, InvalidInput
from calipso.history.export import (
    clique_graph,
    environment_graph,
    import_json_graph,
    neighbourhood_graph,
    render,
)
from calipso.history.impact import dependants, dependencies
from calipso.scanners.metadata_files import Metadata
from calipso.sim import spec_from_flags

pytestmark = pytest.mark.timeout(300)


def ids(entries: list[dict[str, Any]]) -> set[str]:
    return {e["id"] for e in entries}


async def test_impact_follows_the_truth_and_exports_round_trip(
        db: Any, metadata: Metadata) -> None:
    spec = spec_from_flags(hosts=4, instances=6, networks=2, seed=7)
    async with event_rig(db, spec, metadata, listen=False) as rig:
        env = rig.env.name
        truth = rig.sim.truth()
        objects = {o["id"]: o for o in truth["objects"]}
        hosts = [o for o in truth["objects"] if o["type"] == "host"]
        compute = next(h for h in hosts if "Compute" in h["host_type"]
                       and any(o["type"] == "instance" and o["host"] == h["id"]
                               for o in truth["objects"]))
        on_it = [o for o in truth["objects"] if o["type"] == "instance"
                 and o["host"] == compute["id"]]
        hit = await dependants(db, env, compute["id"])
        network_node = next(h for h in hosts if "Network" in h["host_type"])
        tunnel_pnic = next(link["target_id"] for link in truth["links"]
                           if link["link_type"] == "otep-host_pnic"
                           and objects[link["target_id"]]["host"] == network_node["id"])
        pnic_hit = await dependants(db, env, tunnel_pnic)
        instance = on_it[0]
        needs = await dependencies(db, env, instance["id"])

        whole = await environment_graph(db, env)
        exported = render(whole, "json")
        copy = f"{env}-copy"
        counts = await import_json_graph(db, copy, json.loads(exported))
        again = render(await environment_graph(db, copy), "json")
        with pytest.raises(Conflict):
            await import_json_graph(db, copy, json.loads(exported))
        with pytest.raises(InvalidInput):
            await import_json_graph(db, f"{env}-bad", {"graph": {"edges": []}})
        graphml = ET.fromstring(render(whole, "graphml"))
        dot = render(whole, "dot")
        clique = await clique_graph(db, env, instance["id"])
        stored_clique = await db.cliques.find_one({"environment": env,
                                                   "focal_point_id": instance["id"]})
        around = await neighbourhood_graph(db, env, instance["id"], depth=1)

    # a compute host: exactly its instances, their networks and projects
    assert ids(hit["instances"]) == {o["id"] for o in on_it}
    assert ids(hit["networks"]) == {n for o in on_it for n in o["network"]}
    assert ids(hit["vservices"]) == {o["id"] for o in truth["objects"]
                                     if o["type"] == "vservice" and o["host"] == compute["id"]}
    assert ids(hit["projects"]) >= {o["project_id"] for o in on_it}
    first = next(e for e in hit["instances"] if e["id"] == instance["id"])
    assert [step["id"] for step in first["path"]] == [instance["id"], compute["id"]]
    # a network node's tunnel pNIC: its tunnels and the networks through it
    assert ids(pnic_hit["tunnels"]) == {
        link["source_id"] for link in truth["links"]
        if link["link_type"] == "otep-host_pnic" and link["target_id"] == tunnel_pnic}
    through = {link["target_id"] for link in truth["links"]
               if link["link_type"] == "host_pnic-network" and link["source_id"] == tunnel_pnic}
    served = {n for o in truth["objects"] if o["type"] == "vservice"
              and o["host"] == network_node["id"] for n in o["network"]}
    assert through <= ids(pnic_hit["networks"]) <= through | served
    for entry in pnic_hit["tunnels"]:
        assert entry["path"][0]["id"] == entry["id"] and entry["path"][-1]["id"] == tunnel_pnic
    # an instance depends on its host, its networks and its tunnel
    assert {compute["id"]} == ids(needs["depends_on"]["host"])
    assert set(instance["network"]) <= ids(needs["depends_on"]["network"])
    assert needs["depends_on"].get("otep") or needs["depends_on"].get("vedge")

    # JSON Graph round trip: the copy exports the same graph
    first_graph, second_graph = json.loads(exported)["graph"], json.loads(again)["graph"]
    assert counts == {"environment": copy, "objects": len(whole.nodes),
                      "links": len(whole.edges)}
    assert second_graph["nodes"] == first_graph["nodes"]
    assert sorted(second_graph["edges"], key=repr) == sorted(first_graph["edges"], key=repr)
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    assert len(graphml.findall(f"{ns}graph/{ns}node")) == len(whole.nodes)
    assert len(graphml.findall(f"{ns}graph/{ns}edge")) == len(whole.edges)
    assert dot.count(" -> ") == len(whole.edges)
    assert all(f'"{node_id}"' in dot for node_id in whole.nodes)
    assert stored_clique is not None
    assert set(clique.nodes) == set(stored_clique["nodes"]) | {instance["id"]}
    assert instance["id"] in around.nodes and len(around.nodes) > 1
