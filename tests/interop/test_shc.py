"""SMART Health Cards: the spec's examples in every form, fresh cards signed with the test
issuer's key, and every refusal (tampered, unknown issuer, wrong issuer, expired, not yet
valid, revoked) named by the check that failed; issuer keys from a folder or an issuer URL."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from fastapi import FastAPI
from typer.testing import CliRunner

from healthstore import HealthStore, VerifiableClinicalRecord
from healthstore.cli import app as cli_app
from healthstore.interop.shc.encoding import b64url_decode, b64url_encode, card_texts
from healthstore.interop.shc.issuers import TrustedIssuers, thumbprint
from healthstore.interop.shc.verify import CardRefused, verify_card
from tests.conftest import shared_path
from tests.server_support import serve_app

EXAMPLE_ISSUER = "https://spec.smarthealth.cards/examples/issuer"
BEFORE_EXPIRY = datetime(2024, 1, 1, tzinfo=UTC)


def shc(*parts: str) -> Path:
    return shared_path("data", "shc", *parts)


def example(n: int, form: str) -> Path:
    (path,) = shc("examples").glob(f"example-0{n}-{form}*")
    return path


def private_key() -> tuple[str, ec.EllipticCurvePrivateKey]:
    jwk = next(
        k for k in json.loads(shc("issuer", "issuer.jwks.private.json").read_text())["keys"]
        if k.get("kty") == "EC" and k.get("crv") == "P-256"
    )  # fmt: skip
    numbers = ec.EllipticCurvePrivateNumbers(
        int.from_bytes(b64url_decode(jwk["d"], "d"), "big"),
        ec.EllipticCurvePublicNumbers(
            int.from_bytes(b64url_decode(jwk["x"], "x"), "big"),
            int.from_bytes(b64url_decode(jwk["y"], "y"), "big"),
            ec.SECP256R1(),
        ),
    )
    return jwk["kid"], numbers.private_key()


def sign(payload: dict[str, Any], key: ec.EllipticCurvePrivateKey, kid: str) -> str:
    header = b64url_encode(json.dumps({"zip": "DEF", "alg": "ES256", "kid": kid}).encode())
    deflate = zlib.compressobj(wbits=-15)
    raw = deflate.compress(json.dumps(payload, separators=(",", ":")).encode()) + deflate.flush()
    body = b64url_encode(raw)
    r, s = decode_dss_signature(key.sign(f"{header}.{body}".encode(), ec.ECDSA(hashes.SHA256())))
    return f"{header}.{body}.{b64url_encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def fresh_payload(**changes: Any) -> dict[str, Any]:
    payload = json.loads(example(0, "c-jws-payload-minified").read_text())
    payload["nbf"] = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    payload["vc"].pop("rid", None)
    payload.update(changes)
    return payload


@pytest.fixture
def trusted() -> TrustedIssuers:
    return TrustedIssuers.load(shc("issuer"))


def test_the_examples_verify_in_every_form(trusted: TrustedIssuers) -> None:
    for n in (0, 1, 2):
        chunks = sorted(shc("examples").glob(f"example-0{n}-f-qr-code-numeric-value-*.txt"))
        forms = [
            example(n, "d-jws").read_text(),
            example(n, "e-file").read_text(),
            "\n".join(c.read_text() for c in reversed(chunks)),  # chunks in any order
        ]
        jwss = {card_texts(text)[0] for text in forms}
        assert len(jwss) == 1  # the three forms carry the same card
        card = verify_card(jwss.pop(), trusted)
        expected = json.loads(example(n, "b-jws-payload-expanded").read_text())
        assert card.issuer == EXAMPLE_ISSUER
        assert card.issued == datetime.fromtimestamp(expected["nbf"], UTC)
        assert card.bundle == expected["vc"]["credentialSubject"]["fhirBundle"]
    first = verify_card(card_texts(example(0, "d-jws").read_text())[0], trusted)
    assert (first.subject_name, first.subject_birth_date) == ("John B. Anyperson", "1951-01-20")
    assert first.item_names == ("CVX 207", "CVX 207", "CVX 229")
    assert len(sorted(shc("examples").glob("example-02-f-qr-code-numeric-value-*.txt"))) == 3


def test_a_revoked_card_and_an_expired_one(trusted: TrustedIssuers) -> None:
    jws = card_texts(example(3, "d-jws").read_text())[0]
    with pytest.raises(CardRefused) as revoked:
        verify_card(jws, trusted, now=BEFORE_EXPIRY)
    assert revoked.value.field == "rid" and "revoked" in revoked.value.message
    with pytest.raises(CardRefused) as expired:
        verify_card(jws, trusted)
    assert expired.value.field == "exp"


def test_every_refusal_names_its_check(trusted: TrustedIssuers) -> None:
    kid, key = private_key()
    good = sign(fresh_payload(), key, kid)
    assert verify_card(good, trusted).subject_name == "John B. Anyperson"
    header, body, signature = good.split(".")
    forged = zlib.compressobj(wbits=-15)
    changed = json.dumps({**fresh_payload(), "iss": "https://evil.example"}).encode()
    tampered = f"{header}.{b64url_encode(forged.compress(changed) + forged.flush())}.{signature}"
    stranger = ec.generate_private_key(ec.SECP256R1())
    numbers = stranger.public_key().public_numbers()
    stranger_kid = thumbprint({
        "kty": "EC", "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    })  # fmt: skip
    cases = {
        "signature": tampered,
        "kid": sign(fresh_payload(), stranger, stranger_kid),
        "exp": sign(fresh_payload(exp=datetime(2026, 2, 1, tzinfo=UTC).timestamp()), key, kid),
        "nbf": sign(fresh_payload(nbf=datetime(2099, 1, 1, tzinfo=UTC).timestamp()), key, kid),
        "format": f"{header}.{body}",
    }
    for check, jws in cases.items():
        with pytest.raises(CardRefused) as refused:
            verify_card(jws, trusted)
        assert refused.value.field == check, (check, refused.value.message)


def test_import_keeps_what_verifies_and_refuses_the_rest(
    store: HealthStore, tmp_path: Path
) -> None:
    kid, key = private_key()
    expired = sign(fresh_payload(exp=datetime(2026, 2, 1, tzinfo=UTC).timestamp()), key, kid)
    results = store.import_smart_health_cards(
        [example(0, "e-file"), example(1, "d-jws"), expired, example(3, "e-file")],
        trusted_issuers=shc("issuer"),
    )
    assert [(r.status, r.check) for r in results] == [
        ("added", None), ("added", None), ("refused", "exp"), ("refused", "exp"),
    ]  # fmt: skip
    again = store.import_smart_health_cards(
        [example(0, "f-qr-code-numeric-value-0")], trusted_issuers=shc("issuer")
    )
    assert [r.status for r in again] == ["present"]  # the same card, as a QR code
    records = store.samples("verifiableClinicalRecord", sort="start")
    assert len(records) == 2
    record = records[0]
    assert isinstance(record, VerifiableClinicalRecord)
    assert record.issuer == EXAMPLE_ISSUER and record.subject_name == "John B. Anyperson"
    assert record.jws == card_texts(example(0, "d-jws").read_text())[0]
    assert record.record_types[0] == "https://smarthealth.cards#health-card"


def issuer_app(jwks: dict[str, Any], crl: dict[str, Any]) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/jwks.json")
    def keys() -> dict[str, Any]:
        return jwks

    @app.get("/.well-known/crl/{kid}.json")
    def revocations(kid: str) -> dict[str, Any]:
        return crl

    return app


def test_an_issuer_url_gives_keys_and_revocations(store: HealthStore) -> None:
    kid, key = private_key()
    jwks = json.loads(shc("issuer", "jwks.json").read_text())
    crl = {"kid": kid, "method": "rid", "ctr": 1, "rids": ["revokedRid1"]}
    with serve_app(issuer_app(jwks, crl)) as url:
        trusted = TrustedIssuers.load(url)
        ours = sign(fresh_payload(iss=url), key, kid)
        assert verify_card(ours, trusted).issuer == url
        elsewhere = sign(fresh_payload(), key, kid)  # says it is from the spec's issuer
        with pytest.raises(CardRefused) as wrong:
            verify_card(elsewhere, trusted)
        assert wrong.value.field == "iss"
        payload = fresh_payload(iss=url)
        payload["vc"]["rid"] = "revokedRid1"
        with pytest.raises(CardRefused) as revoked:
            verify_card(sign(payload, key, kid), trusted)
        assert revoked.value.field == "rid"


def test_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    directory = tmp_path / "store"
    runner.invoke(cli_app, ["init", str(directory), "--no-encryption"])
    base = ["import", "shc", "--trusted-issuers", str(shc("issuer")), "--store", str(directory)]
    good = runner.invoke(cli_app, [*base, str(example(0, "e-file")), "--json"])
    assert good.exit_code == 0, good.output
    assert json.loads(good.output)[0]["status"] == "added"
    mixed = runner.invoke(cli_app, [*base, str(example(1, "e-file")), str(example(3, "e-file"))])
    assert mixed.exit_code == 1 and "added" in mixed.output and "exp" in mixed.output


def test_apps_read_cards_only_with_the_health_records_entitlement(store: HealthStore) -> None:
    from healthstore.errors import InvalidArgument

    store.register_app({
        "bundle_id": "com.example.wallet", "name": "Wallet",
        "usage_descriptions": {"NSHealthShareUsageDescription": "Shows your cards."},
        "privacy_policy_url": "https://example.com/privacy", "entitlements": ["healthkit"],
        "purposes": ["personal"],
    })  # fmt: skip
    with pytest.raises(InvalidArgument, match="health-records"):
        store.app("com.example.wallet").request_authorization(read=["verifiableClinicalRecord"])
