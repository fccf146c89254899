"""Types' names as a person reads them."""

from __future__ import annotations

import re


def title_of(short_name: str) -> str:
    """``stepCount`` → ``Step Count``; ``vo2Max`` → ``VO2 Max``."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", short_name).split()
    text = " ".join(w[:1].upper() + w[1:] for w in words)
    return text.replace("Vo2", "VO2").replace("Sdnn", "SDNN").replace("Rmssd", "RMSSD")
