"""The fetcher contract.

A fetcher is made per scan with that scan's context and implements
``async def get(self, parent_id) -> list[dict]``: the inventory documents it finds under
the parent. It subclasses its source's access class (``ApiAccess``, ``DbAccess``,
``CliAccess``), which holds the one edge method that does I/O for that source.

Documents may set, beside their own fields:
- ``parent_id`` / ``parent_type``: an alternate parent (already found or stored);
- ``master_parent_id`` / ``master_parent_type`` (+ optional ``parent_text``): the object
  goes into a dynamic folder ``parent_id`` of type ``parent_type`` under that master,
  created by the walker once per scan;
- ``create_object: False``: do not store it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from calipso.sources import FetchContext

Doc = dict[str, Any]


class Fetcher:
    def __init__(self, ctx: FetchContext) -> None:
        self.ctx = ctx

    async def get(self, parent_id: str) -> list[Doc]:
        raise NotImplementedError


def set_folder_parent(
    doc: Doc,
    object_type: str,
    master_parent_type: str,
    master_parent_id: str,
    parent_objects_name: str | None = None,
    parent_type: str | None = None,
    parent_id: str | None = None,
    parent_text: str | None = None,
) -> Doc:
    """Put ``doc`` into a dynamic folder under a master parent (the seed's defaults)."""
    objects_name = parent_objects_name or f"{object_type}s"
    doc["master_parent_type"] = master_parent_type
    doc["master_parent_id"] = master_parent_id
    doc["parent_type"] = parent_type or f"{objects_name}_folder"
    doc["parent_id"] = parent_id or f"{master_parent_id}-{objects_name}"
    doc["parent_text"] = parent_text or objects_name.capitalize()
    return doc
