"""Opaque anchors for apps.

The store's anchor is a global change number, so handing it to an app as it is would tell
the app how much *other* data changed between two of its queries. Each app gets the anchors
through its own keyed permutation instead: a 4-round Feistel network over 52 bits (anchors
stay exact in JSON and JavaScript), keyed with HMAC-SHA256 of a per-store secret and the
app's bundle id. The app can only hand them back; it learns nothing from their values.
"""

from __future__ import annotations

import hashlib
import hmac

from healthstore.errors import InvalidArgument

_HALF = 26
_MASK = (1 << _HALF) - 1
DOMAIN = 1 << (2 * _HALF)
_ROUNDS = 4


class AnchorCipher:
    """A keyed permutation of the integers in [0, 2**52)."""

    def __init__(self, key: bytes) -> None:
        self._keys = [hmac.new(key, bytes([i]), hashlib.sha256).digest() for i in range(_ROUNDS)]

    def _round(self, i: int, half: int) -> int:
        digest = hmac.new(self._keys[i], half.to_bytes(4, "big"), hashlib.sha256).digest()
        return int.from_bytes(digest[:4], "big") & _MASK

    def encode(self, anchor: int) -> int:
        if not 0 <= anchor < DOMAIN:
            raise InvalidArgument("anchor out of range", field="anchor")
        left, right = anchor >> _HALF, anchor & _MASK
        for i in range(_ROUNDS):
            left, right = right, left ^ self._round(i, right)
        return (left << _HALF) | right

    def decode(self, token: int) -> int:
        if isinstance(token, bool) or not isinstance(token, int) or not 0 <= token < DOMAIN:
            raise InvalidArgument("anchor is not one this store handed out", field="anchor")
        left, right = token >> _HALF, token & _MASK
        for i in reversed(range(_ROUNDS)):
            left, right = right ^ self._round(i, left), left
        return (left << _HALF) | right


def app_key(store_secret: bytes, bundle_id: str) -> bytes:
    """The anchor key of one app."""
    return hmac.new(store_secret, b"anchors:" + bundle_id.encode(), hashlib.sha256).digest()
