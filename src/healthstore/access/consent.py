"""Sharing with a third party: only with the person's explicit consent, never to sell.

HealthKit's rules forbid using health data for advertising, marketing or data brokerage.
:func:`check_consent` refuses those purposes and insists on a consent record that names the
recipient, the purpose and every type to be shared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from healthstore.catalogue import ObjectType
from healthstore.errors import AuthorizationDenied, InvalidArgument

FORBIDDEN_PURPOSES = frozenset(
    {"advertising", "marketing", "data-broker", "data-brokerage", "data-brokering", "sale"}
)


@dataclass(frozen=True)
class Consent:
    """The person's statement that ``recipient`` may receive ``types`` for ``purpose``."""

    recipient: str
    purpose: str
    types: tuple[str, ...]
    statement: str


def normalized_purpose(purpose: str) -> str:
    return "-".join(purpose.lower().replace("_", " ").split())


def check_consent(
    recipient: str, types: Iterable[ObjectType], purpose: str, consent: Consent | None
) -> None:
    """Raise unless ``consent`` covers sharing ``types`` with ``recipient`` for ``purpose``."""
    if not recipient.strip():
        raise InvalidArgument("the recipient must be named", field="recipient")
    if normalized_purpose(purpose) in FORBIDDEN_PURPOSES:
        raise AuthorizationDenied(
            f"health data may not be shared for {purpose!r} (advertising, marketing and data "
            "brokerage are never allowed)",
            field="purpose",
        )
    if consent is None:
        raise AuthorizationDenied(
            "sharing with a third party needs the person's explicit consent record",
            field="consent",
        )
    if consent.recipient != recipient or normalized_purpose(consent.purpose) != normalized_purpose(
        purpose
    ):
        raise AuthorizationDenied(
            "the consent record names another recipient or purpose", field="consent"
        )
    if not consent.statement.strip():
        raise InvalidArgument("the consent record needs the statement agreed to", field="consent")
    covered = set(consent.types)
    for t in types:
        if t.short_name not in covered and t.identifier not in covered:
            raise AuthorizationDenied(
                f"the consent record does not cover {t.short_name}", field="consent"
            )
