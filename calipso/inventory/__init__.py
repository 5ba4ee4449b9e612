"""The one write path of inventory objects, links, cliques and statuses (see README.md)."""

from calipso.inventory.clique_batch import CLIQUE_FIELDS, CliqueWriter
from calipso.inventory.encoding import (
    DOT,
    Doc,
    LinkKey,
    chunks,
    decode_keys,
    digest,
    encode_keys,
)
from calipso.inventory.environment import DISCOVERED, clear_environment
from calipso.inventory.freshness import derived_basis, forget_derived, mark_derived
from calipso.inventory.link_batch import LINK_FIELDS, LinkWriter
from calipso.inventory.object_batch import InventoryWriter
from calipso.inventory.origin import change_origin, current_origin
from calipso.inventory.placement import place, root_parent
from calipso.inventory.removal import Removed, remove_objects, subtree_ids
from calipso.inventory.statuses import Status, StatusChange, set_link_status, set_object_status
from calipso.inventory.subtree import SubtreeWrite, delete_object, save_subtree

__all__ = [
    "CLIQUE_FIELDS",
    "DISCOVERED",
    "DOT",
    "LINK_FIELDS",
    "CliqueWriter",
    "Doc",
    "InventoryWriter",
    "LinkKey",
    "LinkWriter",
    "Removed",
    "Status",
    "StatusChange",
    "SubtreeWrite",
    "change_origin",
    "chunks",
    "clear_environment",
    "current_origin",
    "decode_keys",
    "delete_object",
    "derived_basis",
    "digest",
    "encode_keys",
    "forget_derived",
    "mark_derived",
    "place",
    "remove_objects",
    "root_parent",
    "save_subtree",
    "set_link_status",
    "set_object_status",
    "subtree_ids",
]
