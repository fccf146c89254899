"""Helpers of ``healthstore import shc``: the chunks of one QR code given as separate inputs,
and readable names for the vaccine codes cards often carry alone."""

from __future__ import annotations

import re
from pathlib import Path

from healthstore.errors import InvalidArgument

_CHUNK = re.compile(r"^shc:/(\d+)/(\d+)/\d+$")

CVX_NAMES = {
    "207": "COVID-19 mRNA vaccine (Moderna)",
    "208": "COVID-19 mRNA vaccine (Pfizer-BioNTech)",
    "210": "COVID-19 vector vaccine (AstraZeneca)",
    "211": "COVID-19 protein vaccine (Novavax)",
    "212": "COVID-19 vector vaccine (Janssen)",
    "213": "COVID-19 vaccine, unspecified",
    "229": "COVID-19 mRNA bivalent vaccine (Moderna)",
}
"""Names of the CVX codes met on SMART Health Cards (CDC's CVX table), for display."""


def item_label(item: str) -> str:
    """A card item for a table: ``CVX 207`` becomes ``COVID-19 mRNA vaccine (Moderna)
    (CVX 207)``; a name stays as it is."""
    system, _, code = item.partition(" ")
    name = CVX_NAMES.get(code) if system == "CVX" else None
    return f"{name} ({item})" if name else item


def _text(item: str) -> str | None:
    """The text of an input that is one chunk ``shc:/i/n/…`` of a QR code, else None."""
    try:
        path = Path(item)
        text = path.read_text("utf-8") if path.is_file() else item
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    text = text.strip()
    return text if _CHUNK.match(text) else None


def join_chunks(items: list[str], spool: Path) -> list[str]:
    """The inputs with the chunks of a QR code given one per input (files or text) joined
    into one input, in the place of their first chunk: a file in ``spool`` named after the
    first chunk's file (so the card is listed by that name). A set with a chunk missing is
    an error naming the chunks there are."""
    out: list[str | list[tuple[int, str]]] = []
    names: dict[int, str] = {}
    sets: dict[int, list[tuple[int, str]]] = {}
    for item in items:
        text = _text(item)
        match = _CHUNK.match(text) if text else None
        if text is None or match is None or int(match.group(2)) < 2:
            out.append(item)
            continue
        index, total = int(match.group(1)), int(match.group(2))
        group = sets.get(total)
        if group is None or index in {i for i, _ in group}:  # a new card's chunks
            group = sets[total] = []
            out.append(group)
            names[id(group)] = Path(item).name if text != item.strip() else "qr-chunks.txt"
        group.append((index, text))
    joined: list[str] = []
    for entry in out:
        if isinstance(entry, str):
            joined.append(entry)
            continue
        total = int(_CHUNK.match(entry[0][1]).group(2))  # type: ignore[union-attr]
        have = sorted(i for i, _ in entry)
        if have != list(range(1, total + 1)):
            raise InvalidArgument(
                f"the QR code's chunks {', '.join(map(str, have))} of {total} were given; "
                "give every chunk",
                field="cards",
            )
        target = spool / f"{len(joined)}" / names[id(entry)]
        target.parent.mkdir()
        target.write_text("\n".join(text for _, text in sorted(entry)), "utf-8")
        joined.append(str(target))
    return joined
