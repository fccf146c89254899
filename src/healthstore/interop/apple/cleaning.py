"""Repairs an export's XML needs before an XML parser will read it.

Two defects are common in real exports. iOS 16 wrote a broken internal DTD (an ``<!ATTLIST``
without its closing ``>``), which no conforming parser accepts; the DTD declares nothing the
data needs, so :func:`clean_xml_stream` drops the whole ``<!DOCTYPE … [ … ]>`` and puts back
only its line breaks, so line numbers the parser reports still point into the original file.
Some values hold C0 control characters that XML 1.0 forbids (U+000B in particular); those are
deleted and counted.

``export_cda.xml`` is sometimes several XML documents one after another; :func:`split_roots`
cuts it into documents a parser can read one by one.

Both expect an ASCII-compatible encoding (the export is UTF-8, where no byte of a multi-byte
character falls in the C0 range).
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Final, Literal, Protocol

from healthstore.errors import InvalidArgument

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["CHUNK_SIZE", "CleanXmlStream", "Readable", "clean_xml_stream", "split_roots"]

CHUNK_SIZE: Final = 1 << 16
"""Bytes read from the underlying stream at a time."""

PROLOG_LIMIT: Final = 1 << 22
"""How far into the file to look for the end of the DOCTYPE before passing the file through
unchanged (and letting the parser report what is wrong)."""

_FORBIDDEN: Final = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_BOM: Final = b"\xef\xbb\xbf"
_DOCTYPE: Final = b"<!DOCTYPE"
_COMMENT: Final = b"<!--"
_SPACE: Final = frozenset(b" \t\r\n")
_More = Literal["more"]
_MORE: Final[_More] = "more"
_Found = tuple[int, int] | None | _More
"""Where a DOCTYPE is: ``(start, end)``, None for nowhere, ``"more"`` for "read on"."""


class Readable(Protocol):
    """Anything with a binary ``read(size)``."""

    def read(self, size: int = -1, /) -> bytes: ...


def clean_xml_stream(raw: Readable, chunk_size: int = CHUNK_SIZE) -> CleanXmlStream:
    """A binary stream of ``raw`` without its DOCTYPE declaration and without the control
    characters XML forbids, produced chunk by chunk in constant memory.

    Closing the result closes ``raw`` (when it has a ``close``).
    """
    return CleanXmlStream(raw, chunk_size)


class CleanXmlStream(io.BufferedReader):
    """The cleaned stream; ``removed_control_characters`` counts what was deleted so far."""

    def __init__(self, raw: Readable, chunk_size: int = CHUNK_SIZE) -> None:
        if chunk_size < 1:
            raise InvalidArgument(
                f"chunk_size must be at least 1, not {chunk_size}", field="chunk_size"
            )
        self._cleaner = _Cleaner(raw, chunk_size)
        super().__init__(self._cleaner, max(chunk_size, io.DEFAULT_BUFFER_SIZE))

    @property
    def removed_control_characters(self) -> int:
        """How many forbidden control characters were deleted from what was read so far."""
        return self._cleaner.removed


class _Cleaner(io.RawIOBase):
    """The raw stream under :class:`CleanXmlStream`.

    Until the DOCTYPE question is settled, bytes gather in ``_head`` (the prolog is short:
    an XML declaration, perhaps comments, then the DOCTYPE); from then on each chunk read
    from ``raw`` is filtered and handed on as it is.
    """

    def __init__(self, raw: Readable, chunk_size: int) -> None:
        super().__init__()
        self._raw = raw
        self._chunk_size = chunk_size
        self._head: bytearray | None = bytearray()
        self._out = b""
        self._pos = 0
        self._eof = False
        self.removed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        while self._pos >= len(self._out):
            if self._eof and self._head is None:
                return 0
            self._fill()
        view = memoryview(buffer).cast("B")
        count = min(len(view), len(self._out) - self._pos)
        view[:count] = self._out[self._pos : self._pos + count]
        self._pos += count
        return count

    def close(self) -> None:
        if not self.closed:
            closer = getattr(self._raw, "close", None)
            if callable(closer):
                closer()
        super().close()

    def _fill(self) -> None:
        chunk = self._raw.read(self._chunk_size)
        if not chunk:
            self._eof = True
        if self._head is not None:
            self._head += chunk
            cut = _find_doctype(self._head, self._eof)
            if cut == _MORE and len(self._head) <= PROLOG_LIMIT:
                return
            chunk = bytes(self._head)
            self._head = None
            if isinstance(cut, tuple):
                start, end = cut
                lines = chunk.count(b"\n", start, end)
                chunk = chunk[:start] + b"\n" * lines + chunk[end:]
        cleaned = chunk.translate(None, _FORBIDDEN)
        self.removed += len(chunk) - len(cleaned)
        self._out, self._pos = cleaned, 0


def _find_doctype(head: bytearray, eof: bool) -> _Found:
    """Where the DOCTYPE declaration is in the prolog ``head``: ``(start, end)``, None when
    the prolog has none, or ``"more"`` when ``head`` ends too soon to say."""
    more: _More | None = None if eof else _MORE
    size = len(head)
    if size < len(_BOM) and _BOM.startswith(head):
        return more
    at = len(_BOM) if head.startswith(_BOM) else 0
    while True:
        while at < size and head[at] in _SPACE:
            at += 1
        rest = bytes(head[at : at + len(_DOCTYPE)])
        if head.startswith(b"<?", at) or head.startswith(_COMMENT, at):
            closing = b"?>" if rest.startswith(b"<?") else b"-->"
            end = head.find(closing, at + 2)
            if end < 0:
                return more
            at = end + len(closing)
        elif rest == _DOCTYPE:
            return _doctype_end(head, at, more)
        elif len(rest) < len(_DOCTYPE) and (_DOCTYPE.startswith(rest) or _COMMENT.startswith(rest)):
            return more
        else:
            return None


def _doctype_end(head: bytearray, start: int, more: _More | None) -> _Found:
    """The end of the DOCTYPE starting at ``start``: its first ``>`` outside quotes, or,
    when it has an internal subset, the first ``]`` followed by optional spaces and ``>``.
    Nothing inside the subset is trusted: that is where the defects are."""
    quote = 0
    for at in range(start + len(_DOCTYPE), len(head)):
        byte = head[at]
        if quote:
            quote = 0 if byte == quote else quote
        elif byte in b"'\"":
            quote = byte
        elif byte == ord(">"):
            return start, at + 1
        elif byte == ord("["):
            return _subset_end(head, start, at + 1, more)
    return more


_SUBSET_CLOSE: Final = re.compile(rb"\][ \t\r\n]*>")


def _subset_end(head: bytearray, start: int, at: int, more: _More | None) -> _Found:
    while (at := head.find(b"]", at)) >= 0:
        match = _SUBSET_CLOSE.match(head, at)
        if match is not None:
            return start, match.end()
        if head[at + 1 :].strip(b" \t\r\n") == b"":
            return more  # "]" and spaces so far: the ">" may be in the next chunk
        at += 1
    return more


_DOCUMENT_START: Final = re.compile(rb"<\?xml[ \t\r\n?]|<(?:[A-Za-z_][\w.-]*:)?ClinicalDocument\b")


def split_roots(raw: bytes) -> list[bytes]:
    """The XML documents in ``raw``, each a ``bytes`` an XML parser accepts on its own.

    A document starts at an XML declaration (``<?xml``) or at a ``<ClinicalDocument`` that
    no declaration precedes; what lies between two starts belongs to the first. A file with
    one document gives a list of one; an empty (or all-blank) file gives ``[]``.
    """
    starts: list[int] = []
    declared = False
    for match in _DOCUMENT_START.finditer(raw):
        if match[0].startswith(b"<?"):
            starts.append(match.start())
            declared = True
        elif declared:
            declared = False
        else:
            starts.append(match.start())
    if not starts or raw[: starts[0]].lstrip(_BOM).strip():
        starts.insert(0, 0)
    pieces = (raw[begin:end] for begin, end in zip(starts, [*starts[1:], len(raw)], strict=True))
    return [piece.strip() for piece in pieces if piece.strip()]
