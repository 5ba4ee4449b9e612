"""Host roles from the Nova services and Neutron agents of current clouds (issue 10): the
ML2/OVN network node runs only the gateway flavour of ovn-controller, and anything a scan
cannot place is listed, never dropped silently."""

from __future__ import annotations

import pytest
from captures import capture_json

from calipso.fetchers.api.api_fetch_project_hosts import host_doc
from calipso.fetchers.api.cloud_hosts import region_hosts_of
from calipso.fetchers.cli.scope import L2_HOST_TYPES, has_host_type
from calipso.fetchers.unrecognised import unrecognised_summary


def hosts_of(variant: str, extra_agents: list[dict] | None = None) -> dict[str, dict]:
    zones = capture_json(f"{variant}/api/nova_os-availability-zone_detail.json")
    agents = capture_json(f"{variant}/api/neutron_agents.json")["agents"]
    found = region_hosts_of("RegionOne", zones, agents + (extra_agents or []))
    return {name: host_doc(found, name, None) for name in found.host_names()}


@pytest.mark.parametrize("variant", ["ovs", "ovn"])
def test_every_host_of_a_current_cloud_has_its_role(variant: str) -> None:
    hosts = hosts_of(variant)
    assert hosts["vm"]["host_type"] == ["Controller"]
    assert hosts["compute-1"]["host_type"] == ["Compute"]
    assert hosts["controller-1"]["host_type"] == ["Network"]
    # a Network host is an L2 host: its pNICs, vConnectors and vEdge are read
    assert has_host_type(hosts["controller-1"], L2_HOST_TYPES)
    assert unrecognised_summary(hosts.values()) == []


def test_the_ovn_gateway_configuration_is_the_hosts() -> None:
    controller = hosts_of("ovn")["controller-1"]
    assert controller["config"]["bridge-mappings"] == "provider:br-ex"


def test_an_unknown_agent_type_and_a_host_without_role_are_listed() -> None:
    odd = [{"host": "compute-2", "agent_type": "Quantum agent", "configurations": {}},
           {"host": "box-9", "agent_type": "Quantum agent", "configurations": {}}]
    hosts = hosts_of("ovs", odd)
    assert hosts["compute-2"]["host_type"] == ["Compute"]
    assert unrecognised_summary(hosts.values()) == [
        "box-9: agent type 'Quantum agent'",
        "box-9: host role: none of its services or agents gives one",
        "compute-2: agent type 'Quantum agent'",
    ]
