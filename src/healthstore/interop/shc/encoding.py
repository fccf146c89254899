"""The forms a card comes in, down to its compact JWS.

- a ``.smart-health-card`` file: ``{"verifiableCredential": ["<jws>", ...]}``;
- the JWS itself: ``header.payload.signature`` in base64url;
- numeric QR text: ``shc:/`` then two digits per character (its code minus 45), or in
  chunks ``shc:/i/n/…`` that join in order.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Iterable
from typing import Any

from healthstore.errors import InvalidArgument

_CHUNK = re.compile(r"^shc:/(?:(\d+)/(\d+)/)?(\d+)$")
_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


def b64url_decode(text: str, field: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise InvalidArgument(f"{field} is not base64url", field=field) from None


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def numeric_to_jws(digits: str) -> str:
    """The characters behind the QR numeric form (each two digits + 45)."""
    if len(digits) % 2:
        raise InvalidArgument("the numeric QR text has an odd number of digits", field="qr")
    chars = []
    for i in range(0, len(digits), 2):
        code = int(digits[i : i + 2])
        if code > 77:
            raise InvalidArgument(f"the numeric QR text holds {code}, above 77", field="qr")
        chars.append(chr(code + 45))
    return "".join(chars)


def jws_from_qr(texts: Iterable[str]) -> str:
    """A JWS from one ``shc:/…`` text or all the chunks of a chunked card (any order)."""
    chunks: dict[int, str] = {}
    total = 1
    for raw in texts:
        match = _CHUNK.match(raw.strip())
        if match is None:
            raise InvalidArgument(f"{raw.strip()[:20]!r}… is not shc:/ numeric text", field="qr")
        index, count, digits = match.groups()
        if index is None:
            return numeric_to_jws(digits)
        total = int(count)
        chunks[int(index)] = digits
    missing = [str(i) for i in range(1, total + 1) if i not in chunks]
    if missing:
        raise InvalidArgument(
            f"chunk {', '.join(missing)} of {total} of the QR code is missing", field="qr"
        )
    return numeric_to_jws("".join(chunks[i] for i in range(1, total + 1)))


def card_texts(text: str) -> list[str]:
    """The JWSs in one input: a ``.smart-health-card`` file's content, a JWS, or numeric QR
    text (one or several ``shc:/`` lines, chunks of one card)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data: Any = json.loads(stripped)
        except ValueError as exc:
            raise InvalidArgument(f"not a SMART Health Card file: {exc}", field="file") from None
        cards = data.get("verifiableCredential") if isinstance(data, dict) else None
        if not isinstance(cards, list) or not all(isinstance(c, str) for c in cards):
            raise InvalidArgument(
                "a SMART Health Card file holds a verifiableCredential list", field="file"
            )
        return cards
    if stripped.startswith("shc:/"):
        return [jws_from_qr(line for line in stripped.splitlines() if line.strip())]
    if _JWS.match(stripped):
        return [stripped]
    raise InvalidArgument(
        "not a SMART Health Card (a .smart-health-card file, a JWS or shc:/ text)", field="card"
    )


def inflate(data: bytes) -> bytes:
    """Raw DEFLATE (no zlib header), as cards compress their payload."""
    try:
        decompressor = zlib.decompressobj(-15)
        out = decompressor.decompress(data, 10_000_000)
        if decompressor.unconsumed_tail:
            raise InvalidArgument("the card's payload inflates past 10 MB", field="payload")
        return out
    except zlib.error as exc:
        raise InvalidArgument(
            f"the card's payload is not raw DEFLATE: {exc}", field="payload"
        ) from None
