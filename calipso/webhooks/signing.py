"""HMAC-SHA256 signatures of webhook bodies (``X-Calipso-Signature: sha256=<hex>``)."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Calipso-Signature"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver checks: the header is the body's signature with the shared secret."""
    return hmac.compare_digest(signature(secret, body), header)
