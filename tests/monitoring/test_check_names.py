"""Check names split into their object or link, with the reference's id encoding."""

from __future__ import annotations

import pytest

from calipso.monitoring.check_names import (
    BadCheckName,
    LinkTarget,
    ObjectTarget,
    link_check_name,
    object_check_name,
    otep_check_name,
    parse_check_name,
)

OBJECT_TYPES = ("vnic", "vconnector", "vedge", "instance", "vservice", "host_pnic", "otep",
                "host")
LINK_TYPES = ("vnic-vconnector", "vedge-host_pnic", "instance-vnic")


def test_ids_with_colons_and_slashes_round_trip() -> None:
    name = object_check_name("host_pnic", "eth0-3c:fd:fe:00:00:01")
    assert name == "host_pnic_eth0-3c---..58..---fd---..58..---fe---..58..---00---..58..---00" \
                   "---..58..---01"
    assert parse_check_name(name, OBJECT_TYPES, LINK_TYPES) == [
        ObjectTarget("host_pnic", "eth0-3c:fd:fe:00:00:01")]
    vpp = object_check_name("host_pnic", "node-1-pnic-TenGigabitEthernet5/0/0")
    assert "/" not in vpp
    assert parse_check_name(vpp, OBJECT_TYPES, LINK_TYPES)[0].object_id.endswith("5/0/0")


def test_the_longest_type_prefix_wins() -> None:
    assert parse_check_name("host_pnic_eth0-x", OBJECT_TYPES, LINK_TYPES) == [
        ObjectTarget("host_pnic", "eth0-x")]
    assert parse_check_name("host_node-1", OBJECT_TYPES, LINK_TYPES) == [
        ObjectTarget("host", "node-1")]


def test_a_link_name_gives_every_split_of_its_ids() -> None:
    name = link_check_name("vnic-vconnector", "h-tap1", "h-qbr1")
    assert parse_check_name(name, OBJECT_TYPES, LINK_TYPES) == [
        LinkTarget("vnic-vconnector", "h-tap1", "h-qbr1")]
    two = parse_check_name("link_vedge-host_pnic_a_b_c", OBJECT_TYPES, LINK_TYPES)
    assert two == [LinkTarget("vedge-host_pnic", "a", "b_c"),
                   LinkTarget("vedge-host_pnic", "a_b", "c")]


def test_otep_and_vpp_vnic_names() -> None:
    assert parse_check_name(otep_check_name("h-otep", "vxlan-0a01"), OBJECT_TYPES,
                            LINK_TYPES) == [ObjectTarget("otep", "h-otep", "vxlan-0a01")]
    assert parse_check_name("vnic_instance_vnic_h-vhost", OBJECT_TYPES, LINK_TYPES) == [
        ObjectTarget("vnic", "h-vhost")]


@pytest.mark.parametrize("name", ["bogus_x", "link_nope_a_b", "host_", "vedge"])
def test_names_of_no_known_type_are_refused(name: str) -> None:
    with pytest.raises(BadCheckName):
        parse_check_name(name, OBJECT_TYPES, LINK_TYPES)
