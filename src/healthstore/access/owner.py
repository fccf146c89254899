"""The owner password of a plain store: what the person signs in to the web app with when
the store has no passphrase. Kept scrypt-hashed (salted) in the store's secrets; checking
it passes the process's one key-derivation slot, as passphrases do."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from healthstore.errors import InvalidArgument
from healthstore.storage import secrets as stored_secrets
from healthstore.storage.backend import Backend
from healthstore.vault.kdf_gate import GATE

SECRET_NAME = "owner_password"
MIN_LENGTH = 8
_N, _R, _P = 2**15, 8, 1  # 32 MiB, as the store's passphrase


def _hash(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    with GATE.slot():
        return hashlib.scrypt(
            password.encode(), salt=salt, n=n, r=r, p=p, maxmem=128 * r * n * 2, dklen=32
        )


def set_password(backend: Backend, password: str) -> None:
    """Set (or replace) the owner password."""
    if len(password) < MIN_LENGTH:
        raise InvalidArgument(
            f"the owner password needs at least {MIN_LENGTH} characters", field="password"
        )
    salt = secrets.token_bytes(16)
    entry = {
        "kdf": "scrypt",
        "n": _N,
        "r": _R,
        "p": _P,
        "salt": salt.hex(),
        "hash": _hash(password, salt, _N, _R, _P).hex(),
    }
    stored_secrets.replace(backend, SECRET_NAME, json.dumps(entry).encode())


def has_password(backend: Backend) -> bool:
    return stored_secrets.read(backend, SECRET_NAME) is not None


def check_password(backend: Backend, password: str) -> bool:
    """True when ``password`` is the owner password (False when none is set)."""
    stored = stored_secrets.read(backend, SECRET_NAME)
    if stored is None:
        return False
    entry = json.loads(stored)
    derived = _hash(password, bytes.fromhex(entry["salt"]), entry["n"], entry["r"], entry["p"])
    return hmac.compare_digest(derived, bytes.fromhex(entry["hash"]))


PREFERENCES = "owner_preferences"
"""The person's web app preferences (pinned types, preferred units): the person's only, kept
with the store's private values and never shown to apps."""


def preferences(backend: Backend) -> dict[str, Any]:
    stored = stored_secrets.read(backend, PREFERENCES)
    if stored is None:
        return {}
    found = json.loads(stored)
    return found if isinstance(found, dict) else {}


def set_preferences(backend: Backend, values: dict[str, Any]) -> None:
    stored_secrets.replace(backend, PREFERENCES, json.dumps(values, sort_keys=True).encode())
