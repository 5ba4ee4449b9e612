"""Where an object sits in the tree: its parent, ``id_path`` and ``name_path``.

Pure functions: a scan's walker and an event handler place objects the same way, so the
documents they write are identical.
"""

from __future__ import annotations

from calipso.inventory.encoding import Doc


def root_parent(env: str) -> Doc:
    """The environment itself, the parent of the tree's first level."""
    return {"id": env, "type": "environment", "id_path": f"/{env}", "name_path": f"/{env}"}


def place(doc: Doc, parent: Doc) -> None:
    """Name ``doc`` (its ``text``, else its ``name``, else its id) and put it under
    ``parent``."""
    if "text" in doc:
        doc["name"] = doc["text"]
    elif not doc.get("name"):
        doc["name"] = doc["id"]
    doc.setdefault("object_name", doc["name"])
    doc["parent_id"], doc["parent_type"] = parent["id"], parent["type"]
    doc["id_path"] = f"{parent['id_path']}/{doc['id']}"
    doc["name_path"] = f"{parent['name_path']}/{doc['name']}"
