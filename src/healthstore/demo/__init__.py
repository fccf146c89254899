"""Generated data to look at and to test with: a year of one person's health
(:mod:`healthstore.demo.alex`, written through the store's public API) and synthetic Apple
Health exports of any size (:mod:`healthstore.demo.apple_export`)."""

from healthstore.demo.alex import (
    BATCH,
    CUFF,
    DEVICES,
    PHONE,
    SCALE,
    TIME_ZONE,
    WATCH,
    ensure,
    generate,
    populate,
)

__all__ = [
    "BATCH",
    "CUFF",
    "DEVICES",
    "PHONE",
    "SCALE",
    "TIME_ZONE",
    "WATCH",
    "ensure",
    "generate",
    "populate",
]
