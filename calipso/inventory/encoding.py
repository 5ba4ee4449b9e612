"""How documents are stored: dotted keys encoded, fingerprints, id chunks.

Keys containing ``.`` are stored as ``[dot]`` (MongoDB reads dotted update keys as paths)
and decoded on the way out. A fingerprint (``digest``) of a document's fields tells a
writer whether a stored document must be rewritten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

Doc = dict[str, Any]
LinkKey = tuple[str, str, str]  # (link_type, source_id, target_id)
DOT = "[dot]"
# ids per `$in` of a write: SecantusDB's `$in` grows worse than linearly with its size
ID_CHUNK = 10
DUPLICATE_KEY = 11000


def encode_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            (k.replace(".", DOT) if "." in k else k): encode_keys(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [encode_keys(v) for v in value]
    return value


def decode_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            (k.replace(DOT, ".") if DOT in k else k): decode_keys(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [decode_keys(v) for v in value]
    return value


def chunks(items: list[Any], size: int = ID_CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _canonical(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_canonical(v) for v in value)
    return value


def digest(doc: Doc, fields: Iterable[str]) -> bytes:
    """A short fingerprint of ``fields`` of ``doc`` (key order of nested dicts ignored)."""
    text = repr(tuple((f, _canonical(doc.get(f))) for f in fields))
    return hashlib.blake2b(text.encode(), digest_size=16).digest()
