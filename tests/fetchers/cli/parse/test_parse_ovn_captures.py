"""The real-OVN parser tests again, on what the real tools printed when
``test_parse_real_ovn.py`` last wrote its captures (``tests/captures/ovn_real/``): the
parsers stay checked against real output where the tools cannot run (no root, no
packages)."""

from __future__ import annotations

import pytest
from test_parse_real_ovn import (  # the same checks, given this module's `ovn`
    CAPTURES,
    COMMANDS,
    NB_DUMP,
    test_an_empty_table_is_no_rows,
    test_chassis_and_encap,
    test_the_chassis_answers_the_dhcp_of_its_ports,
    test_the_chassis_vedge,
    test_the_router_is_on_its_gateway_chassis,
)

__all__ = ["test_an_empty_table_is_no_rows", "test_chassis_and_encap",
           "test_the_chassis_answers_the_dhcp_of_its_ports", "test_the_chassis_vedge",
           "test_the_router_is_on_its_gateway_chassis"]
OVS_FILES = ("ovs-vsctl_get_open_._external_ids", "ovs-vsctl_show", "ovs-appctl_dpctl__show",
             "ovs-vsctl_--columns=name,external_ids_list_Interface")


@pytest.fixture
def ovn() -> dict[str, str]:
    return {name: (CAPTURES / f"{name}.txt").read_text(encoding="utf-8")
            for name in (*COMMANDS, NB_DUMP, *OVS_FILES)}
