"""virsh list and virsh dumpxml: hybrid plug, Linux bridge, OVS firewall, modern OVS
bridge interfaces with a virtualport, VPP vhostuser."""

from __future__ import annotations

import json

import xmltodict

from calipso.fetchers.cli.parse.virsh import (
    parse_virsh_dumpxml,
    parse_virsh_interface_xml,
    parse_virsh_list,
)
from calipso.sim import generate, spec_from_flags
from calipso.sim.ssh.commands import HostTools


def test_virsh_list(fixture_text):
    domains = parse_virsh_list(fixture_text("cli/generic/virsh_list.txt"))
    assert [(d.id, d.name) for d in domains] == [
        (2, "instance-00000002"), (27, "instance-0000001c"), (38, "instance-00000026"),
        (39, "instance-00000028")]
    assert {d.state for d in domains} == {"running"}


def test_virsh_list_in_another_locale(fixture_text):
    [domain] = parse_virsh_list(fixture_text("cli/lxb/virsh_list.compute.txt"))
    assert (domain.id, domain.name, domain.state) == (3, "instance-0000000d", "実行中")


def test_virsh_list_all_with_shut_off_domains():
    text = (
        " Id   Name                State\n"
        "------------------------------------\n"
        " 1    instance-00000001   running\n"
        " -    instance-00000002   shut off\n"
    )
    running, stopped = parse_virsh_list(text)
    assert running.id == 1 and (stopped.id, stopped.state) == (None, "shut off")
    assert parse_virsh_list(" Id   Name   State\n--------------------\n") == []


def test_dumpxml_hybrid_plug_gives_the_expected_instance_vnic(fixture_text):
    domain = parse_virsh_dumpxml(fixture_text("cli/generic/virsh_dumpxml_38.txt"))
    [expected] = json.loads(fixture_text("inventory/fetcher_results/cli_fetch_instance_vnics.json"))
    assert (domain.id, domain.name) == (38, "instance-00000026")
    assert domain.uuid == expected["instance_id"]
    [vnic] = domain.interfaces
    assert vnic.target_dev == expected["id"] == expected["name"]
    assert vnic.mac_address == expected["mac_address"]
    assert vnic.source_bridge == expected["source_bridge"]
    assert (vnic.type, vnic.model, vnic.alias) == ("bridge", "virtio", "net0")
    xml_keys = {key for key in expected if key.startswith("@") or isinstance(expected[key], dict)}
    assert {key: vnic.raw[key] for key in xml_keys} == {key: expected[key] for key in xml_keys}


def test_interface_excerpts_linux_bridge_and_ovs_firewall(fixture_text):
    lxb = parse_virsh_interface_xml(fixture_text("cli/lxb/virsh_dumpxml_3.interface_excerpt.txt"))
    assert (lxb.type, lxb.source_bridge, lxb.target_dev) == (
        "bridge", "brqc08e7dcd-4a", "tap7a8c0a54-75")
    assert lxb.mac_address == "fa:16:3e:be:71:21" and lxb.mtu == 1450
    ovsfw = parse_virsh_interface_xml(
        fixture_text("cli/ovs/virsh_dumpxml_1.interface_excerpt.compute_ovsfw.txt"))
    assert (ovsfw.type, ovsfw.source_bridge, ovsfw.target_dev) == (
        "ethernet", None, "tap648437e1-0d")
    assert ovsfw.mac_address == "fa:16:3e:61:21:c6" and ovsfw.source == {}


# Two interfaces as libvirt prints them for a current OVS (no hybrid plug) port and a VPP
# vhost-user port; no full capture of either exists in the shared fixtures.
MODERN_DOMAIN = """\
<domain type='kvm' id='7'>
  <name>instance-0000000a</name>
  <uuid>2337b0eb-372c-43b8-923e-90a89337d211</uuid>
  <devices>
    <interface type='bridge'>
      <mac address='FA:16:3E:61:21:C6'/>
      <source bridge='br-int'/>
      <virtualport type='openvswitch'>
        <parameters interfaceid='648437e1-0d5a-4a8c-9c02-3c6b1d0ad7f5'/>
      </virtualport>
      <target dev='tap648437e1-0d'/>
      <model type='virtio'/>
      <mtu size='1450'/>
      <alias name='net0'/>
    </interface>
    <interface type='vhostuser'>
      <mac address='fa:16:3e:d1:98:73'/>
      <source type='unix' path='/tmp/8d4b6a1e-6b' mode='server'/>
      <model type='virtio'/>
      <alias name='net1'/>
    </interface>
  </devices>
</domain>
"""


def test_dumpxml_openvswitch_virtualport_and_vhostuser():
    domain = parse_virsh_dumpxml(MODERN_DOMAIN)
    assert (domain.id, domain.uuid) == (7, "2337b0eb-372c-43b8-923e-90a89337d211")
    ovs, vhost = domain.interfaces
    assert (ovs.source_bridge, ovs.virtualport_type, ovs.interface_id) == (
        "br-int", "openvswitch", "648437e1-0d5a-4a8c-9c02-3c6b1d0ad7f5")
    assert ovs.mac_address == "fa:16:3e:61:21:c6" and ovs.mtu == 1450
    assert vhost.type == "vhostuser" and vhost.target_dev is None
    assert vhost.source == {"type": "unix", "path": "/tmp/8d4b6a1e-6b", "mode": "server"}
    assert vhost.source_bridge is None and vhost.alias == "net1"


def test_dumpxml_of_a_stopped_domain_without_interfaces():
    domain = parse_virsh_dumpxml(
        "<domain type='kvm'><name>instance-1</name><uuid>u-1</uuid><devices/></domain>")
    assert domain.id is None and domain.interfaces == ()


def test_interface_raw_is_xmltodicts_form_of_the_element(fixture_text):
    """``raw`` keeps the shape the original stored (xmltodict's), for every capture and
    for the simulator's three interface layouts."""
    texts = [fixture_text("cli/generic/virsh_dumpxml_38.txt")]
    for driver, firewall in (("ovs", "hybrid"), ("ovs", "openvswitch"), ("lxb", "hybrid"),
                             ("vpp", "hybrid")):
        cloud = generate(spec_from_flags(hosts=2, instances=2, driver=driver,
                                         firewall=firewall, ports_per_instance=2))
        [compute] = cloud.compute_hosts()
        tools = HostTools(cloud, compute.name)
        texts += [tools(["virsh", "dumpxml", str(d.domain_id)], "").stdout
                  for d in cloud.wiring(compute.name).domains]
    for text in texts:
        want = xmltodict.parse(text, force_list=("interface",))["domain"]["devices"]
        got = parse_virsh_dumpxml(text).interfaces
        assert [i.raw for i in got] == want["interface"]
