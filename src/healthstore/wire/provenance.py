"""Reading where a sample came from: sources, source revisions and devices."""

from __future__ import annotations

from functools import lru_cache

from healthstore.model import Device, Source, SourceRevision
from healthstore.wire.fields import at, json_object, text
from healthstore.wire.samples import REVISION_FIELDS

_SOURCE_FIELDS = ("bundle_id", "name")


def source_from_json(value: object, *, field: str = "source") -> Source:
    """A source from ``{"bundle_id", "name"}`` (``name`` defaults to the bundle id).
    Errors name ``field`` and the key below it."""
    with at(field, strip="source."):
        data = json_object(value, _SOURCE_FIELDS, "a source")
        bundle_id = text(data, "bundle_id", required=True) or ""
        return Source(bundle_id, text(data, "name") or bundle_id)


def revision_from_json(value: object, *, field: str = "source") -> SourceRevision | None:
    """The inverse of :func:`~healthstore.wire.source_to_json`: a source with its
    optional ``version``, ``product_type`` and ``os_version``; None for null."""
    if value is None:
        return None
    key = _cache_key(value)
    if key is not None:
        return _known_revision(key, field)
    return _revision(value, field)


@lru_cache(maxsize=256)
def _known_revision(key: tuple[tuple[str, str], ...], field: str) -> SourceRevision:
    return _revision(dict(key), field)


def _cache_key(value: object) -> tuple[tuple[str, str], ...] | None:
    """A hashable key for a source object made of strings (the usual case: every sample of
    a batch names the same source, so it is read once)."""
    if not isinstance(value, dict):
        return None
    items = tuple(value.items())
    return items if all(isinstance(v, str) for _, v in items) else None


def _revision(value: object, field: str) -> SourceRevision:
    with at(field, strip="source."):
        data = json_object(value, (*_SOURCE_FIELDS, *REVISION_FIELDS), "a source")
        bundle_id = text(data, "bundle_id", required=True) or ""
        source = Source(bundle_id, text(data, "name") or bundle_id)
        return SourceRevision(source, *(text(data, key) for key in REVISION_FIELDS))


def device_from_json(value: object, *, field: str = "device") -> Device | None:
    """The inverse of :func:`~healthstore.wire.device_to_json`; None for null."""
    if value is None:
        return None
    with at(field, strip="device."):
        data = json_object(value, Device.__slots__, "a device")
        return Device(**{key: text(data, key) for key in data})
