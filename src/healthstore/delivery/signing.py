"""Webhook signatures.

Each observer has its own secret, derived from the store's webhook key and the observer's id
(so no secret is stored anywhere). A delivery carries ``X-Healthstore-Signature:
sha256=<hex HMAC-SHA256 of the body under the secret>``; receivers check it with
:func:`verify`.
"""

from __future__ import annotations

import hashlib
import hmac

SECRET_PREFIX = "whsec_"
SIGNATURE_HEADER = "X-Healthstore-Signature"
DELIVERY_HEADER = "X-Healthstore-Delivery"


def observer_secret(key: bytes, observer_id: str) -> str:
    """The webhook secret of an observer."""
    digest = hmac.new(key, b"observer:" + observer_id.encode("utf-8"), hashlib.sha256)
    return SECRET_PREFIX + digest.hexdigest()


def sign(secret: str, body: bytes) -> str:
    """The signature header value of ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` (the header value) signs ``body`` under ``secret``."""
    if not signature:
        return False
    return hmac.compare_digest(sign(secret, body), signature)
