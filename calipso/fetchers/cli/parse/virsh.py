"""Parsers for libvirt's ``virsh list [--all]`` and ``virsh dumpxml DOMAIN``.

``virsh list`` prints a header row and a dashed rule (their words follow the host's
locale, e.g. ``Id 名前 状態``), then ``ID NAME STATE`` rows; ``STATE`` may hold spaces
(``shut off``) and ``ID`` is ``-`` for a domain that is not running (``--all``).

``virsh dumpxml`` is parsed with the standard library's C XML parser (4x faster than
building the whole document with xmltodict: a scan reads one per instance). Every
``<devices><interface>`` becomes a ``DomainInterface``; the interface element's own
xmltodict form (``element_dict``) is kept in ``raw`` (keys
``@type``, ``mac``, ``source``, ``target``, ``model``, ``driver``, ``alias``,
``address`` ...), which is what instance vNIC documents carry.

Records (frozen, slotted dataclasses):

``VirshDomain`` (``parse_virsh_list``)
    ``id`` (int, None for ``-``), ``name`` (``instance-00000026``), ``state``.
``Domain`` (``parse_virsh_dumpxml``)
    ``id`` (the running domain id or None), ``name``, ``uuid`` (the Nova instance uuid),
    ``interfaces`` (tuple of ``DomainInterface``).
``DomainInterface`` (also ``parse_virsh_interface_xml`` for one ``<interface>`` element)
    ``type`` (``bridge``, ``ethernet``, ``vhostuser``, ``network`` ...), ``mac_address``
    (lower case), ``source_bridge`` (``qbr…`` for OVS hybrid plug, ``br-int`` for the
    openvswitch firewall, ``brq…`` for Linux bridge; None otherwise), ``source`` (all
    attributes of ``<source>`` without ``@``: ``bridge``, or ``type``/``path``/``mode`` of
    a VPP vhostuser socket), ``target_dev`` (``tap…``, None for vhostuser), ``model``,
    ``mtu`` (int or None), ``virtualport_type`` (``openvswitch`` or None),
    ``interface_id`` (the Neutron port id from ``<virtualport><parameters interfaceid>``
    or None), ``alias`` and ``raw``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from calipso.errors import ParseError
from calipso.fetchers.cli.parse.text import require_text

_LIST = "parse_virsh_list"
_DUMPXML = "parse_virsh_dumpxml"
_RULE = re.compile(r"^-{3,}$")


@dataclass(frozen=True, slots=True)
class VirshDomain:
    id: int | None
    name: str
    state: str


@dataclass(frozen=True, slots=True)
class DomainInterface:
    type: str | None
    mac_address: str | None
    source_bridge: str | None
    source: dict[str, str]
    target_dev: str | None
    model: str | None
    mtu: int | None
    virtualport_type: str | None
    interface_id: str | None
    alias: str | None
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Domain:
    id: int | None
    name: str
    uuid: str
    interfaces: tuple[DomainInterface, ...]


def parse_virsh_list(text: str) -> list[VirshDomain]:
    lines = require_text(text, _LIST)
    if len(lines) < 2 or not _RULE.match(lines[1].strip()):
        raise ParseError(_LIST, lines[0], "expected a header and a dashed rule")
    domains: list[VirshDomain] = []
    for line in lines[2:]:
        fields = line.split(maxsplit=2)
        if len(fields) != 3 or not (fields[0].isdigit() or fields[0] == "-"):
            raise ParseError(_LIST, line, "expected 'ID NAME STATE'")
        domain_id = int(fields[0]) if fields[0] != "-" else None
        domains.append(VirshDomain(id=domain_id, name=fields[1], state=fields[2].strip()))
    return domains


def _load(text: str, parser: str) -> ET.Element:
    try:
        return ET.fromstring(text)
    except ET.ParseError as err:
        raise ParseError(parser, text[:80], f"bad XML: {err}") from None


def element_dict(element: ET.Element) -> Any:
    """An element in xmltodict's form: attributes as ``@name``, children by tag (a list
    when repeated), text alone as a string or as ``#text`` beside the rest, empty as
    None. Only the interface elements are converted: the rest of a domain is not kept."""
    out: dict[str, Any] = {f"@{key}": value for key, value in element.attrib.items()}
    for child in element:
        value = element_dict(child)
        known = out.get(child.tag)
        if known is None and child.tag not in out:
            out[child.tag] = value
        elif isinstance(known, list):
            known.append(value)
        else:
            out[child.tag] = [known, value]
    text = (element.text or "").strip()
    if text:
        if not out:
            return text
        out["#text"] = text
    return out or None


def parse_virsh_dumpxml(text: str) -> Domain:
    root = _load(text, _DUMPXML)
    if root.tag != "domain":
        raise ParseError(_DUMPXML, text[:80], "no <domain> element")
    uuid, name = root.findtext("uuid"), root.findtext("name")
    if not uuid or not name:
        raise ParseError(_DUMPXML, text[:80], "domain without <uuid> or <name>")
    raw_id = root.get("id")
    if raw_id is not None and not raw_id.isdigit():
        raise ParseError(_DUMPXML, f"id={raw_id}", "domain id is not a number")
    return Domain(
        id=int(raw_id) if raw_id is not None else None,
        name=name.strip(),
        uuid=uuid.strip(),
        interfaces=tuple(_interface(element_dict(item), _DUMPXML)
                         for item in root.iterfind("devices/interface")),
    )


def parse_virsh_interface_xml(text: str) -> DomainInterface:
    """One ``<interface>`` element (as cut out of ``virsh dumpxml`` output)."""
    root = _load(text, "parse_virsh_interface_xml")
    if root.tag != "interface":
        raise ParseError("parse_virsh_interface_xml", text[:80], "no <interface> element")
    return _interface(element_dict(root), "parse_virsh_interface_xml")


def _attr(element: Any, name: str) -> str | None:
    """Attribute ``name`` of an xmltodict element (None if absent)."""
    if isinstance(element, dict):
        value = element.get(f"@{name}")
        return value if isinstance(value, str) else None
    return None


def _interface(element: Any, parser: str) -> DomainInterface:
    if not isinstance(element, dict):
        raise ParseError(parser, str(element)[:80], "<interface> is empty")
    source = element.get("source")
    source_attrs = (
        {key[1:]: value for key, value in source.items() if key.startswith("@")}
        if isinstance(source, dict) else {}
    )
    virtualport = element.get("virtualport")
    mac = _attr(element.get("mac"), "address")
    mtu = _attr(element.get("mtu"), "size")
    if mtu is not None and not mtu.isdigit():
        raise ParseError(parser, f"mtu size={mtu}", "mtu is not a number")
    return DomainInterface(
        type=_attr(element, "type"),
        mac_address=mac.lower() if mac else None,
        source_bridge=source_attrs.get("bridge"),
        source=source_attrs,
        target_dev=_attr(element.get("target"), "dev"),
        model=_attr(element.get("model"), "type"),
        mtu=int(mtu) if mtu is not None else None,
        virtualport_type=_attr(virtualport, "type"),
        interface_id=_attr(
            virtualport.get("parameters") if isinstance(virtualport, dict) else None,
            "interfaceid",
        ),
        alias=_attr(element.get("alias"), "name"),
        raw=element,
    )
