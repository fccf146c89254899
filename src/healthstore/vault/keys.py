"""Passphrase → database key.

The key is derived with scrypt (memory-hard: ``n`` × ``r`` × 128 bytes, 32 MiB by default)
from the passphrase and a random salt kept in ``store.json``; SQLCipher then uses the 32
raw bytes as its key, so it adds no second slow derivation at every open. A check value
(an HMAC of a constant under the key) tells a wrong passphrase apart from a damaged file
before the database is touched.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from healthstore.errors import DatabaseInaccessible, InvalidArgument
from healthstore.vault.kdf_gate import GATE

KEY_BYTES = 32
_CHECK = b"healthstore passphrase check v1"


@dataclass(frozen=True)
class KdfParams:
    """scrypt's parameters and salt, as stored in ``store.json``."""

    salt: bytes
    n: int = 2**15
    r: int = 8
    p: int = 1

    @classmethod
    def new(cls, n: int = 2**15) -> KdfParams:
        return cls(secrets.token_bytes(16), n=n)

    def to_json(self) -> dict[str, Any]:
        return {"kdf": "scrypt", "salt": self.salt.hex(), "n": self.n, "r": self.r, "p": self.p}

    @classmethod
    def from_json(cls, data: Any) -> KdfParams:
        try:
            if data["kdf"] != "scrypt":
                raise ValueError(data["kdf"])
            return cls(bytes.fromhex(data["salt"]), int(data["n"]), int(data["r"]), int(data["p"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise DatabaseInaccessible(
                f"store.json describes no usable key derivation ({exc})", field="encryption"
            ) from None


def derive_key(passphrase: str, params: KdfParams) -> bytes:
    """The database key for ``passphrase`` (one derivation at a time in this process:
    :mod:`healthstore.vault.kdf_gate`)."""
    if not isinstance(passphrase, str) or not passphrase:
        raise InvalidArgument("the passphrase is empty", field="passphrase")
    with GATE.slot():
        return hashlib.scrypt(
            passphrase.encode("utf-8"),
            salt=params.salt,
            n=params.n,
            r=params.r,
            p=params.p,
            maxmem=params.n * params.r * 256,
            dklen=KEY_BYTES,
        )


def key_check(key: bytes) -> str:
    """A value that shows a key is the right one without revealing it."""
    return hmac.new(key, _CHECK, hashlib.sha256).hexdigest()


def sqlcipher_key(key: bytes) -> str:
    """The ``PRAGMA key`` value for a raw key."""
    return f"\"x'{key.hex()}'\""
