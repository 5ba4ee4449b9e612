"""ip netns list and /etc/os-release."""

from __future__ import annotations

import json

from calipso.fetchers.cli.parse.netns import parse_ip_netns_list
from calipso.fetchers.cli.parse.os_release import parse_os_release


def test_netns_list_old_format(fixture_text):
    spaces = parse_ip_netns_list(fixture_text("cli/generic/ip_netns_list.txt"))
    assert len(spaces) == 13 and all(ns.nsid is None for ns in spaces)
    kinds = [ns.service_type for ns in spaces]
    assert kinds.count("dhcp") == 9 and kinds.count("router") == 2
    assert [ns.name for ns in spaces if ns.service_type is None] == ["haproxy", "vrouter"]
    assert spaces[0].service_id == "8673c48a-f137-4497-b25d-08b7b218fd17"


def test_netns_list_gives_the_expected_vservices(fixture_text):
    spaces = {ns.name: ns for ns in
              parse_ip_netns_list(fixture_text("cli/generic/ip_netns_list.variant2.txt"))}
    expected = json.loads(fixture_text("inventory/fetcher_results/cli_fetch_host_vservices.json"))
    assert expected
    for doc in expected:
        ns = spaces[doc["local_service_id"]]
        assert ns.service_type == doc["service_type"]


def test_netns_list_with_ids(fixture_text):
    [dhcp] = parse_ip_netns_list(
        fixture_text("cli/generic/ip_netns.lxb_controller_qdhcp_excerpt.txt", excerpt=True))
    assert (dhcp.name, dhcp.nsid) == ("qdhcp-c08e7dcd-4acb-4cd0-ad08-ebd3b48467ee", 2)
    [router] = parse_ip_netns_list(
        fixture_text("cli/generic/ip_netns.lxb_controller_qrouter_excerpt.txt", excerpt=True))
    assert (router.service_type, router.service_id, router.nsid) == (
        "router", "fa9a921e-7ff6-4468-a08b-5415cebeb089", 3)


def test_netns_list_concatenated_and_empty():
    text = "qrouter-1 (id: 1)\nqdhcp-2 (id: 0)\nqrouter-1 (id: 1)\n"
    assert [ns.name for ns in parse_ip_netns_list(text)] == ["qrouter-1", "qdhcp-2"]
    assert parse_ip_netns_list("") == []


def test_os_release_gives_the_expected_os_details(fixture_text):
    release = parse_os_release(fixture_text("cli/generic/cat_etc_os-release.txt"))
    expected = json.loads(
        fixture_text("inventory/fetcher_results/api_fetch_project_hosts.os_details.json"))
    assert {
        "name": release.name, "version": release.version, "ID": release.id,
        "ID_LIKE": release.id_like, "architecure": release.architecture,
    } == expected
    assert release.version_id == "16.04" and release.fields["UBUNTU_CODENAME"] == "xenial"


def test_os_release_modern_quoting_and_spelling():
    text = (
        "# comment\n"
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
        "NAME='Debian GNU/Linux'\n"
        'VERSION="12 \\"bookworm\\""\n'
        "ID=debian\n"
        "ARCHITECTURE=aarch64\n"
    )
    release = parse_os_release(text)
    assert release.name == "Debian GNU/Linux" and release.version == '12 "bookworm"'
    assert release.architecture == "aarch64" and release.id_like is None


def test_ovn_metadata_namespaces_are_services() -> None:
    net = "c541013d-0326-424d-bb69-5ffb3a1890c7"
    [ns, other] = parse_ip_netns_list(f"ovnmeta-{net} (id: 0)\ncni-1234 (id: 1)\n")
    assert (ns.service_type, ns.service_id) == ("metadata", net)
    assert (other.service_type, other.service_id) == (None, None)
