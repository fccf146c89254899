"""Request text made safe to log: the path as received on the wire (never URL-decoded),
with every byte that is not printable ASCII written as ``\\xNN``, so no request can forge
or split a log line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_PRINTABLE = frozenset(range(0x21, 0x7F)) - {ord("\\")}


def escaped(raw: bytes) -> str:
    """``raw`` as one line of printable ASCII: other bytes (controls, spaces, backslashes,
    non-ASCII) become ``\\xNN``."""
    return "".join(chr(b) if b in _PRINTABLE else f"\\x{b:02x}" for b in raw)


def escaped_text(text: str) -> str:
    """:func:`escaped` of a string's UTF-8 bytes."""
    return escaped(text.encode("utf-8", "backslashreplace"))


def request_target(scope: Mapping[str, Any]) -> str:
    """The path of a request as received (without its query string, which can hold
    values), escaped."""
    raw = scope.get("raw_path")
    if not isinstance(raw, bytes):
        raw = str(scope.get("path", "?")).encode("utf-8", "backslashreplace")
    return escaped(raw.split(b"?", 1)[0])
