"""Importing SMART Health Cards: each input (a file's content or text) may hold several
cards; each card is verified against the trusted issuers and stored as a
:class:`~healthstore.records.VerifiableClinicalRecord`, or refused with the check that failed.
A card's uuid comes from its JWS, so importing it again finds it present."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healthstore.errors import HealthStoreError, InvalidArgument
from healthstore.interop.shc.encoding import card_texts
from healthstore.interop.shc.issuers import TrustedIssuers
from healthstore.interop.shc.verify import VerifiedCard, verify_card
from healthstore.model import SaveStatus, Source, SourceRevision, stable_uuid
from healthstore.records import VerifiableClinicalRecord

if TYPE_CHECKING:
    from healthstore.store import HealthStore

SHC_SOURCE = SourceRevision(Source("org.healthstore.smart-health-cards", "SMART Health Cards"))


@dataclass(frozen=True)
class CardResult:
    """One card: ``added``, ``present``, or ``refused`` with the failed check (``check``:
    format, kid, signature, iss, nbf, exp, rid) and the reason."""

    input: str
    status: str
    issuer: str | None = None
    subject_name: str | None = None
    items: tuple[str, ...] = ()
    check: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"input": self.input, "status": self.status}
        if self.status == "refused":
            out.update(check=self.check, reason=self.reason)
        else:
            out.update(issuer=self.issuer, subject=self.subject_name, items=list(self.items))
        return out


def record_of(card: VerifiedCard) -> VerifiableClinicalRecord:
    return VerifiableClinicalRecord(
        card.issued,
        jws=card.jws,
        issuer=card.issuer,
        record_types=card.record_types,
        fhir_bundle=card.bundle,
        item_names=card.item_names,
        subject_name=card.subject_name,
        subject_birth_date=card.subject_birth_date,
        relevant=card.relevant,
        expiration=card.expires,
        source=SHC_SOURCE,
        uuid=stable_uuid(card.issued, "shc\x1f" + card.jws),
    )


def import_cards(
    store: HealthStore,
    inputs: Iterable[tuple[str, str]],
    issuers: TrustedIssuers,
    now: datetime | None = None,
) -> list[CardResult]:
    """Verify and save the cards in ``inputs`` ((name, text) pairs)."""
    results: list[CardResult | None] = []
    verified: list[tuple[int, str, VerifiedCard]] = []
    for name, text in inputs:
        try:
            jwss = card_texts(text)
        except HealthStoreError as exc:
            results.append(CardResult(name, "refused", check="format", reason=exc.message))
            continue
        for i, jws in enumerate(jwss):
            label = name if len(jwss) == 1 else f"{name} card {i + 1}"
            try:
                card = verify_card(jws, issuers, now)
            except HealthStoreError as exc:
                results.append(CardResult(label, "refused", check=exc.field, reason=exc.message))
                continue
            results.append(None)
            verified.append((len(results) - 1, label, card))
    saved = store.save_each([record_of(card) for _, _, card in verified])
    for (index, label, card), outcome in zip(verified, saved.results, strict=True):
        if isinstance(outcome, HealthStoreError):
            results[index] = CardResult(label, "refused", check="save", reason=outcome.message)
            continue
        status = "added" if outcome.status is SaveStatus.created else "present"
        results[index] = CardResult(label, status, card.issuer, card.subject_name, card.item_names)
    return [r for r in results if r is not None]


def import_inputs(
    store: HealthStore,
    inputs: Iterable[str | Path],
    trusted_issuers: str | Path | TrustedIssuers,
    now: datetime | None = None,
) -> list[CardResult]:
    """Verify and save cards given as files or texts (see
    :meth:`~healthstore.store.HealthStore.import_smart_health_cards`)."""
    issuers = (
        trusted_issuers
        if isinstance(trusted_issuers, TrustedIssuers)
        else TrustedIssuers.load(trusted_issuers)
    )
    return import_cards(store, [_card_input(item) for item in inputs], issuers, now)


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name too long, or holding NUL: text, not a path
        return False


def _card_input(item: str | Path) -> tuple[str, str]:
    """(name, text) of one card input: a path that exists is read, anything else is the
    card's text itself."""
    if isinstance(item, Path) or _is_file(str(item)):
        path = Path(item)
        try:
            return path.name, path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidArgument(f"cannot read {path}: {exc}", field="inputs") from None
    text = str(item)
    return (text[:24] + "…" if len(text) > 24 else text), text
