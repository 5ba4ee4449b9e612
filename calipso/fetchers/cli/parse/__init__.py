"""Pure parsers for the output of the shell commands the CLI fetchers run.

One module per command family. Every parser takes the command's stdout as one string and
returns frozen, slotted dataclasses (documented in each module's docstring) or lists of
them. Parsers do no I/O, no logging and read no settings; output they do not understand
raises ``calipso.errors.ParseError(parser, line, reason)`` with ``parser`` the function's
name. Outputs that legitimately list nothing give ``[]``, empty or header-only, whatever
the tool's version prints for "nothing": ``ip netns list``, ``bridge fdb show``,
``ovs-vsctl list-ifaces`` / ``list-br`` / ``list TABLE``, ``ovn-nbctl``/``ovn-sbctl
--format=json list TABLE`` (empty or no rows), the physical NIC listing,
``brctl show`` (bridge-utils 1.7 prints nothing at all, older versions the header),
``ovs-dpctl show`` (nothing before a datapath exists), a header-only ``virsh list`` or
``ovs-vsctl show``. Outputs that always print something (``ip address show``,
``/etc/os-release``, ``ethtool``, ``ovs-vsctl show`` ...) raise on empty text.

Index (module: functions -> records):

- ``ip_address``: ``parse_ip_address_show``, ``parse_ip_link_show`` -> ``list[Interface]``
  (``Ipv4Address``, ``Ipv6Address``, ``VxlanInfo``, ``VlanInfo``, ``BridgeInfo``)
- ``sys_class_net``: ``parse_sys_class_net`` -> ``list[str]`` (physical NIC names)
- ``ethtool``: ``parse_ethtool`` -> ``EthtoolSettings``
- ``bonding``: ``parse_bonding_list`` -> ``list[str]``; ``parse_proc_net_bonding`` ->
  ``Bond`` (``BondSlave``)
- ``brctl``: ``parse_brctl_show`` -> ``list[LinuxBridge]``
- ``bridge_fdb``: ``parse_bridge_fdb_show`` -> ``list[FdbEntry]``
- ``ovs``: ``parse_ovs_vsctl_show`` -> ``OvsShow`` (``OvsBridge``, ``OvsPort``,
  ``OvsInterface``); ``parse_ovs_dpctl_show`` -> ``list[DatapathPort]``;
  ``parse_ovs_vsctl_list_ifaces`` -> ``list[str]``; ``parse_ovsdb_map`` -> ``dict``
- ``ovs_list``: ``parse_ovs_vsctl_list`` -> ``list[dict[str, str]]`` (OVSDB records);
  ``interface_ids`` -> ``dict[str, str]`` (interface → ``external_ids:iface-id``)
- ``ovn``: ``parse_ovsdb_json`` -> ``list[dict]`` (OVN NB/SB rows, atoms decoded);
  ``parse_ovs_external_ids`` -> ``dict[str, str]``; ``parse_bridge_mappings`` -> ``dict``
- ``netns``: ``parse_ip_netns_list`` -> ``list[Netns]``
- ``virsh``: ``parse_virsh_list`` -> ``list[VirshDomain]``; ``parse_virsh_dumpxml`` ->
  ``Domain``; ``parse_virsh_interface_xml`` -> ``DomainInterface``
- ``os_release``: ``parse_os_release`` -> ``OsRelease``
- ``vpp``: ``parse_vppctl_show_version`` -> ``VppVersion``; ``parse_vppctl_show_int`` ->
  ``list[VppInterface]``; ``parse_vppctl_show_int_addr`` ->
  ``list[VppInterfaceAddresses]``; ``parse_vppctl_show_mode`` -> ``list[VppMode]``;
  ``parse_vppctl_show_hardware`` -> ``list[VppHardwareInterface]``
"""
