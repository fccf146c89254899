"""Trusted issuers: their public keys (JWKS) and revocation lists.

Keys come from a JWKS file, from a folder holding ``jwks.json`` and revocation lists
``crl-*.json``, or from an issuer's address, where ``/.well-known/jwks.json`` holds the keys
and ``/.well-known/crl/<kid>.json`` the list of a key that announces one (``crlVersion``).
A key is trusted only when its ``kid`` is its own JWK thumbprint (RFC 7638).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec

from healthstore.errors import InvalidArgument
from healthstore.interop.shc.encoding import b64url_decode, b64url_encode


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 thumbprint of an EC public key."""
    members = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return b64url_encode(hashlib.sha256(canonical).digest())


@dataclass(frozen=True)
class Revocations:
    """A key's revocation list: revoked rids, each with the time before which cards are
    revoked (None: all of them)."""

    rids: Mapping[str, float | None]

    def revokes(self, rid: str, issued: float) -> bool:
        if rid not in self.rids:
            return False
        before = self.rids[rid]
        return before is None or issued < before


def _revocations(data: Any, where: str) -> tuple[str, Revocations]:
    if not isinstance(data, Mapping) or data.get("method") != "rid":
        raise InvalidArgument(f"{where} is not a rid revocation list", field="crl")
    rids: dict[str, float | None] = {}
    for entry in data.get("rids") or ():
        rid, _, when = str(entry).partition(".")
        rids[rid] = float(when) if when else None
    return str(data.get("kid", "")), Revocations(rids)


@dataclass
class TrustedIssuers:
    """Public keys by kid (each with the issuer it came from, if known) and their
    revocation lists."""

    keys: dict[str, ec.EllipticCurvePublicKey] = field(default_factory=dict)
    issuer_of: dict[str, str | None] = field(default_factory=dict)
    revocations: dict[str, Revocations] = field(default_factory=dict)

    def add_jwks(self, data: Any, issuer: str | None, where: str) -> None:
        keys = data.get("keys") if isinstance(data, Mapping) else None
        if not isinstance(keys, list):
            raise InvalidArgument(f"{where} is not a JWKS (no keys list)", field="jwks")
        for jwk in keys:
            if not isinstance(jwk, Mapping) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
                continue
            if "d" in jwk:
                raise InvalidArgument(
                    f"{where} holds a private key; give the public JWKS", field="jwks"
                )
            kid = thumbprint(jwk)
            if jwk.get("kid") != kid:
                continue  # a kid that is not its thumbprint is not a SMART Health Card key
            x = int.from_bytes(b64url_decode(str(jwk["x"]), "x"), "big")
            y = int.from_bytes(b64url_decode(str(jwk["y"]), "y"), "big")
            self.keys[kid] = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
            self.issuer_of[kid] = issuer

    @classmethod
    def load(
        cls, where: str | Path, *, transport: httpx.BaseTransport | None = None
    ) -> TrustedIssuers:
        """Issuers from a JWKS file, a folder (``jwks.json`` + ``crl-*.json``) or an issuer
        URL (``http(s)://…``)."""
        trusted = cls()
        text = str(where)
        if text.startswith(("http://", "https://")):
            trusted.fetch(text, transport=transport)
            return trusted
        path = Path(where)
        if path.is_dir():
            trusted.add_jwks(_read_json(path / "jwks.json"), None, str(path / "jwks.json"))
            for crl in sorted(path.glob("crl-*.json")):
                kid, revocations = _revocations(_read_json(crl), str(crl))
                trusted.revocations[kid] = revocations
        elif path.is_file():
            trusted.add_jwks(_read_json(path), None, str(path))
        else:
            raise InvalidArgument(f"{path} does not exist", field="trusted_issuers")
        if not trusted.keys:
            raise InvalidArgument(f"{path} holds no usable ES256 keys", field="trusted_issuers")
        return trusted

    def fetch(self, issuer: str, *, transport: httpx.BaseTransport | None = None) -> None:
        base = issuer.rstrip("/")
        with httpx.Client(timeout=30.0, transport=transport) as http:
            try:
                answer = http.get(f"{base}/.well-known/jwks.json")
                answer.raise_for_status()
                data = answer.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise InvalidArgument(
                    f"cannot read the keys of {base}: {type(exc).__name__}", field="trusted_issuers"
                ) from None
            self.add_jwks(data, base, f"{base}/.well-known/jwks.json")
            for jwk in data.get("keys") or ():
                kid = jwk.get("kid") if isinstance(jwk, Mapping) else None
                if kid in self.keys and jwk.get("crlVersion"):
                    try:
                        crl = http.get(f"{base}/.well-known/crl/{kid}.json")
                        crl.raise_for_status()
                        _, revocations = _revocations(crl.json(), f"{base} crl {kid}")
                    except (httpx.HTTPError, ValueError) as exc:
                        raise InvalidArgument(
                            f"cannot read the revocation list of key {kid} at {base}: "
                            f"{type(exc).__name__}",
                            field="trusted_issuers",
                        ) from None
                    self.revocations[kid] = revocations
        if not self.keys:
            raise InvalidArgument(f"{base} publishes no usable ES256 keys", field="trusted_issuers")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidArgument(f"cannot read {path}: {exc}", field="trusted_issuers") from None
