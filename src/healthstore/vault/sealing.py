"""Sealed boxes: anyone with the store's public key can seal; only the private key, kept
inside the encrypted database, opens.

A box is ``ephemeral X25519 public key (32) ‖ nonce (12) ‖ AES-256-GCM ciphertext``; the AES
key is HKDF-SHA256 of the X25519 shared secret, bound to both public keys.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from healthstore.errors import DatabaseInaccessible

_RAW = serialization.Encoding.Raw
_INFO = b"healthstore sealed journal v1"


def new_keypair() -> tuple[bytes, bytes]:
    """(private, public) raw X25519 keys."""
    private = X25519PrivateKey.generate()
    raw_private = private.private_bytes(
        _RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return raw_private, private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def _aes_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=ephemeral + recipient, info=_INFO).derive(shared)


def seal(public_key: bytes, plaintext: bytes) -> bytes:
    """Seal ``plaintext`` for the holder of the private half of ``public_key``."""
    recipient = X25519PublicKey.from_public_bytes(public_key)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    key = _aes_key(ephemeral.exchange(recipient), ephemeral_public, public_key)
    nonce = os.urandom(12)
    return ephemeral_public + nonce + AESGCM(key).encrypt(nonce, plaintext, None)


def open_box(private_key: bytes, box: bytes) -> bytes:
    """The plaintext of a sealed box (databaseInaccessible when it is not one of ours)."""
    private = X25519PrivateKey.from_private_bytes(private_key)
    public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    ephemeral_public, nonce, ciphertext = box[:32], box[32:44], box[44:]
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        return AESGCM(_aes_key(shared, ephemeral_public, public)).decrypt(nonce, ciphertext, None)
    except (InvalidTag, ValueError):
        raise DatabaseInaccessible("a journal entry does not open with the store's key") from None
