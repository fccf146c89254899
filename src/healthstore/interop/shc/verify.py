"""Verifying a SMART Health Card and reading what it says.

A card is a compact JWS: its header names ES256, raw-DEFLATE compression and the key
(``kid``); its payload holds the issuer (``iss``), the issue time (``nbf``), maybe an expiry
(``exp``), and the credential with its FHIR Bundle and revocation id (``rid``). Verification
refuses, each with its own error naming what failed: a malformed card, an unknown key, a bad
signature (a tampered card), a key from another issuer than the card names, a card not yet
valid or expired, and a revoked card.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from healthstore.clinical.mapping import display_name
from healthstore.errors import InvalidArgument
from healthstore.interop.shc.encoding import b64url_decode, inflate
from healthstore.interop.shc.issuers import TrustedIssuers

CLOCK_SKEW = timedelta(minutes=5)


class CardRefused(InvalidArgument):
    """A card that did not verify; ``field`` says which check: ``format``, ``kid`` (unknown
    issuer), ``signature`` (tampered), ``iss``, ``nbf``, ``exp`` or ``rid`` (revoked)."""


@dataclass(frozen=True)
class VerifiedCard:
    """A card that verified, and what it says."""

    jws: str
    issuer: str
    issued: datetime
    expires: datetime | None
    record_types: tuple[str, ...]
    subject_name: str | None
    subject_birth_date: str | None
    item_names: tuple[str, ...]
    relevant: datetime | None
    fhir_version: str | None
    bundle: Mapping[str, Any]


def _instant(seconds: Any, field: str) -> datetime:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise CardRefused(f"{field} is not a number of seconds", field=field)
    return datetime.fromtimestamp(float(seconds), UTC)


def _json(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        raise CardRefused(f"the card's {what} is not JSON", field="format") from None
    if not isinstance(value, dict):
        raise CardRefused(f"the card's {what} is not a JSON object", field="format")
    return value


def verify_card(jws: str, issuers: TrustedIssuers, now: datetime | None = None) -> VerifiedCard:
    """Verify ``jws`` against ``issuers`` at ``now`` (default: this moment)."""
    now = now or datetime.now(UTC)
    parts = jws.strip().split(".")
    if len(parts) != 3:
        raise CardRefused("a card is a compact JWS of three parts", field="format")
    try:
        header = _json(b64url_decode(parts[0], "header"), "header")
        raw_payload = b64url_decode(parts[1], "payload")
        signature = b64url_decode(parts[2], "signature")
    except InvalidArgument as exc:
        raise CardRefused(exc.message, field="format") from None
    if header.get("alg") != "ES256":
        raise CardRefused(
            f"the card is signed with {header.get('alg')!r}, not ES256", field="format"
        )
    kid = header.get("kid")
    key = issuers.keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise CardRefused(f"the card's key {kid!r} belongs to no trusted issuer", field="kid")
    if len(signature) != 64:
        raise CardRefused("the signature is not 64 bytes (r || s)", field="signature")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        key.verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise CardRefused(
            "the signature does not match: the card was changed after it was signed",
            field="signature",
        ) from None
    if header.get("zip") == "DEF":
        try:
            raw_payload = inflate(raw_payload)
        except InvalidArgument as exc:
            raise CardRefused(exc.message, field="format") from None
    payload = _json(raw_payload, "payload")
    issuer = payload.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise CardRefused("the card names no issuer (iss)", field="iss")
    known = issuers.issuer_of.get(str(kid))
    if known is not None and known != issuer.rstrip("/"):
        raise CardRefused(
            f"the card says it is from {issuer}, but its key is {known}'s", field="iss"
        )
    issued = _instant(payload.get("nbf"), "nbf")
    if issued > now + CLOCK_SKEW:
        raise CardRefused(f"the card is not valid before {issued.isoformat()}", field="nbf")
    expires = None if payload.get("exp") is None else _instant(payload["exp"], "exp")
    if expires is not None and expires <= now:
        raise CardRefused(f"the card expired on {expires.isoformat()}", field="exp")
    vc = payload.get("vc")
    if not isinstance(vc, Mapping):
        raise CardRefused("the card holds no credential (vc)", field="format")
    rid = vc.get("rid")
    revocations = issuers.revocations.get(str(kid))
    if isinstance(rid, str) and revocations and revocations.revokes(rid, issued.timestamp()):
        raise CardRefused(f"the issuer has revoked this card (rid {rid})", field="rid")
    return _read(jws.strip(), issuer, issued, expires, vc)


def _read(
    jws: str, issuer: str, issued: datetime, expires: datetime | None, vc: Mapping[str, Any]
) -> VerifiedCard:
    subject = vc.get("credentialSubject") or {}
    bundle = subject.get("fhirBundle") if isinstance(subject, Mapping) else None
    if not isinstance(bundle, Mapping):
        raise CardRefused("the credential holds no FHIR Bundle", field="format")
    resources = [
        e["resource"]
        for e in bundle.get("entry") or ()
        if isinstance(e, Mapping) and isinstance(e.get("resource"), Mapping)
    ]
    patient: Mapping[str, Any] = next(
        (r for r in resources if r.get("resourceType") == "Patient"), {}
    )
    items = [r for r in resources if r.get("resourceType") != "Patient"]
    times = [
        moment
        for r in items
        for key in ("occurrenceDateTime", "effectiveDateTime", "issued")
        if (moment := _fhir_time(r.get(key))) is not None
    ]
    types = vc.get("type")
    born = patient.get("birthDate")
    version = subject.get("fhirVersion")
    return VerifiedCard(
        jws=jws,
        issuer=issuer,
        issued=issued,
        expires=expires,
        record_types=tuple(str(t) for t in types) if isinstance(types, list) else (),
        subject_name=_name(patient),
        subject_birth_date=born if isinstance(born, str) else None,
        item_names=tuple(_item_name(r) for r in items),
        relevant=max(times) if times else None,
        fhir_version=version if isinstance(version, str) else None,
        bundle=bundle,
    )


_SYSTEMS = {
    "http://hl7.org/fhir/sid/cvx": "CVX",
    "http://loinc.org": "LOINC",
    "http://snomed.info/sct": "SNOMED CT",
}


def _item_name(resource: Mapping[str, Any]) -> str:
    """A name for a card's item: its display name, else its code with the code system (cards
    often carry codes only, e.g. ``CVX 207``)."""
    name = display_name(resource)
    if name != resource.get("resourceType"):
        return name
    for key in ("vaccineCode", "code"):
        concept = resource.get(key)
        for coding in (concept or {}).get("coding") or () if isinstance(concept, Mapping) else ():
            if isinstance(coding, Mapping) and coding.get("code"):
                system = _SYSTEMS.get(str(coding.get("system")), str(coding.get("system", "")))
                return f"{system} {coding['code']}".strip()
    return name


def _name(patient: Mapping[str, Any]) -> str | None:
    names = patient.get("name")
    if not isinstance(names, list) or not names or not isinstance(names[0], Mapping):
        return None
    first = names[0]
    if isinstance(first.get("text"), str):
        return str(first["text"])
    given = [str(g) for g in first.get("given") or () if isinstance(g, str)]
    family = first.get("family")
    parts = [*given, *([family] if isinstance(family, str) else [])]
    return " ".join(parts) or None


def _fhir_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value if len(value) > 10 else f"{value}T00:00:00+00:00")
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
