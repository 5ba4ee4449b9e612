"""Choosing the clique type and the constraints of an environment."""

from __future__ import annotations

import json

from link_topology import env_config

from calipso.clique_choice import (
    choose_clique_types,
    choose_constraints,
    describe_choice,
    score,
)
from calipso.config_paths import SHIPPED_CONFIG

SEED_TYPES = json.loads((SHIPPED_CONFIG / "seed" / "clique_types.json").read_text())
SEED_CONSTRAINTS = json.loads(
    (SHIPPED_CONFIG / "seed" / "clique_constraints.json").read_text())


def _names(env_kwargs: dict) -> dict[str, str]:
    chosen = choose_clique_types(SEED_TYPES, env_config("e1", **env_kwargs))
    return {focal: doc["name"] for focal, doc in chosen.items()}


def test_configuration_bound_types_win_over_any() -> None:
    assert _names({})["instance"] == "devstack_ovs_vxlan_instance"
    assert _names({"type_driver": "vlan"})["network"] == "devstack_ovs_vlan_network"
    assert _names({"mechanism": "LXB"})["vservice"] == "lxb_vxlan_vservice"
    assert _names({"mechanism": "VPP", "type_driver": "vlan"})["instance"] == \
        "vpp_vlan_instance"
    assert _names({"distribution": "Mercury"})["instance"] == "mercury_instance"
    # issue 10: a distribution without types of its own gets the drivers' types
    mirantis = _names({"distribution": "Mirantis"})
    assert mirantis["instance"] == "ovs_vxlan_instance"
    assert mirantis["switch_pnic"] == "switch_pnic"


def test_every_driver_pair_has_instance_vservice_and_network_types() -> None:
    pairs = [(m, t) for m in ("OVS", "LXB", "VPP") for t in ("vxlan", "vlan", "flat")]
    pairs += [("OVS", "gre")]
    for mechanism, type_driver in pairs:
        env = env_config("e1", mechanism=mechanism, type_driver=type_driver).model_copy(
            update={"distribution": None, "distribution_version": None})
        names = {f: d["name"] for f, d in choose_clique_types(SEED_TYPES, env).items()}
        for focal in ("instance", "vservice", "network"):
            assert names[focal].startswith(mechanism.lower() + "_"), (mechanism, type_driver)


def test_the_choice_is_explained_when_no_distribution_chooses() -> None:
    env = env_config("e1").model_copy(update={"distribution": None,
                                               "distribution_version": None})
    line = describe_choice(env, choose_clique_types(SEED_TYPES, env))
    assert line.startswith("no distribution given: clique types chosen by mechanism "
                           "driver OVS and type driver vxlan")
    assert "instance: ovs_vxlan_instance" in line
    stein = env_config("e1", distribution="Stein")
    assert describe_choice(stein, choose_clique_types(SEED_TYPES, stein),
                           known_distribution=False).startswith(
        "distribution 'Stein' is unknown: clique types chosen by mechanism driver OVS")


def test_scores() -> None:
    env = env_config("lab", distribution="Apex")
    assert score({"environment": "lab"}, env) == 64
    assert score({"environment": "ANY"}, env) == 1
    assert score({"environment": "other"}, env) == 0
    assert score({"distribution": "Apex", "mechanism_drivers": "OVS",
                  "type_drivers": "vxlan"}, env) == 44
    # the seed env's version is 2026.2: a type for another version does not apply
    assert score({"distribution": "Apex", "distribution_version": "Euphrates"}, env) == 0
    assert score({"distribution": "Apex", "distribution_version": "2026.2"}, env) == 48
    assert score({"environment_type": "Kubernetes"}, env) == 0
    assert score({}, env) == 2


def test_environment_named_type_beats_configuration() -> None:
    mine = {"environment": "e1", "focal_point_type": "instance", "name": "mine",
            "link_types": ["instance-vnic"]}
    assert _names({}) != {}
    chosen = choose_clique_types([*SEED_TYPES, mine], env_config("e1"))
    assert chosen["instance"]["name"] == "mine"
    assert choose_clique_types([*SEED_TYPES, mine], env_config("e2"))["instance"]["name"] == \
        "devstack_ovs_vxlan_instance"


def test_constraints_per_environment() -> None:
    env = env_config("e1")
    assert choose_constraints(SEED_CONSTRAINTS, env) == {
        "instance": ["network"], "vservice": ["network"], "network": ["network"]}
    own = {"environment": "e1", "focal_point_type": "instance", "constraints": []}
    other = {"environment": "e2", "focal_point_type": "vservice", "constraints": ["x"]}
    chosen = choose_constraints([*SEED_CONSTRAINTS, own, other], env)
    assert chosen["instance"] == [] and chosen["vservice"] == ["network"]
