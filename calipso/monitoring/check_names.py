"""Check names: ``<object type>_<object id>`` and ``link_<link type>_<source>_<target>``.

Ids are encoded as the original's setup wrote them into Sensu check names (a check name
may hold neither ``:`` nor ``/``): ``:`` is ``---..58..---`` and ``/`` is
``---..47..---``. An OTEP check names one tunnel port: ``otep_<otep id>_<port>``. A VPP
vNIC check carries its vNIC type: ``vnic_<instance_vnic|vservice_vnic>_<id>``.

``parse_check_name`` is pure; where an id may itself hold ``_`` it answers every way to
split it, and the caller keeps the one the database knows.
"""

from __future__ import annotations

from dataclasses import dataclass

ENCODED = {":": "---..58..---", "/": "---..47..---"}
VNIC_TYPES = ("instance_vnic_", "vservice_vnic_")


def encode_id(value: str) -> str:
    for char, code in ENCODED.items():
        value = value.replace(char, code)
    return value


def decode_id(value: str) -> str:
    for char, code in ENCODED.items():
        value = value.replace(code, char)
    return value


def object_check_name(object_type: str, object_id: str) -> str:
    return f"{object_type}_{encode_id(object_id)}"


def link_check_name(link_type: str, source_id: str, target_id: str) -> str:
    return f"link_{link_type}_{encode_id(source_id)}_{encode_id(target_id)}"


def otep_check_name(otep_id: str, port: str) -> str:
    return f"otep_{encode_id(otep_id)}_{encode_id(port)}"


class BadCheckName(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ObjectTarget:
    object_type: str
    object_id: str
    port: str | None = None  # OTEP checks: the tunnel port


@dataclass(frozen=True, slots=True)
class LinkTarget:
    link_type: str
    source_id: str
    target_id: str


Target = ObjectTarget | LinkTarget


def parse_check_name(name: str, object_types: tuple[str, ...],
                     link_types: tuple[str, ...]) -> list[Target]:
    """The possible targets of a check name (more than one only when an id holds ``_``);
    ``BadCheckName`` when no known type prefixes it."""
    if name.startswith("link_"):
        rest = name[5:]
        link_type = _longest_prefix(rest, link_types)
        if link_type is None:
            raise BadCheckName(f"check {name!r}: no known link type after 'link_'")
        ids = rest[len(link_type) + 1:]
        return [LinkTarget(link_type, decode_id(ids[:i]), decode_id(ids[i + 1:]))
                for i, char in enumerate(ids) if char == "_" and 0 < i < len(ids) - 1]
    object_type = _longest_prefix(name, object_types)
    if object_type is None:
        raise BadCheckName(f"check {name!r}: no known object type prefix")
    rest = name[len(object_type) + 1:]
    if not rest:
        raise BadCheckName(f"check {name!r}: no object id")
    if object_type == "otep":
        return [ObjectTarget("otep", decode_id(rest[:i]), decode_id(rest[i + 1:]))
                for i, char in enumerate(rest) if char == "_" and 0 < i < len(rest) - 1]
    if object_type == "vnic":
        rest = next((rest[len(p):] for p in VNIC_TYPES if rest.startswith(p)), rest)
    return [ObjectTarget(object_type, decode_id(rest))]


def _longest_prefix(name: str, types: tuple[str, ...]) -> str | None:
    found = [t for t in types if name.startswith(t + "_")]
    return max(found, key=len) if found else None
