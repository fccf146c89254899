"""An app's manifest: who it is, why it wants health data, what it is entitled to.

::

    {"bundle_id": "com.example.steps", "name": "Steps",
     "usage_descriptions": {"NSHealthShareUsageDescription": "…",
                            "NSHealthUpdateUsageDescription": "…"},
     "privacy_policy_url": "https://…", "entitlements": ["healthkit"], "purposes": ["fitness"]}

Unknown keys, wrong types and missing required keys are invalidArgument errors naming the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from healthstore.errors import InvalidArgument

SHARE_USAGE = "NSHealthShareUsageDescription"
UPDATE_USAGE = "NSHealthUpdateUsageDescription"
CLINICAL_USAGE = "NSHealthClinicalHealthRecordsShareUsageDescription"
USAGE_KEYS = (SHARE_USAGE, UPDATE_USAGE, CLINICAL_USAGE)
ENTITLEMENTS = ("healthkit", "health-records", "background-delivery")
_KEYS = {
    "bundle_id",
    "name",
    "usage_descriptions",
    "privacy_policy_url",
    "entitlements",
    "purposes",
}
_BUNDLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*[A-Za-z0-9]$")


@dataclass(frozen=True)
class AppManifest:
    """A validated manifest."""

    bundle_id: str
    name: str
    usage_descriptions: Mapping[str, str] = field(default_factory=dict)
    privacy_policy_url: str | None = None
    entitlements: tuple[str, ...] = ("healthkit",)
    purposes: tuple[str, ...] = ()

    def has(self, entitlement: str) -> bool:
        return entitlement in self.entitlements

    def usage(self, key: str) -> str | None:
        text = self.usage_descriptions.get(key)
        return text if text and text.strip() else None

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle_id": self.bundle_id,
            "name": self.name,
            "usage_descriptions": dict(self.usage_descriptions),
            "privacy_policy_url": self.privacy_policy_url,
            "entitlements": list(self.entitlements),
            "purposes": list(self.purposes),
        }


def _string(data: Mapping[str, Any], key: str, *, required: bool) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidArgument(f"manifest: {key!r} is required", field=key)
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument(f"manifest: {key!r} must be a non-empty string", field=key)
    return value


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidArgument(f"manifest: {key!r} must be a list of strings", field=key)
    return tuple(dict.fromkeys(value))


def parse_manifest(data: Mapping[str, Any] | str | bytes) -> AppManifest:
    """A manifest from a mapping or JSON text; errors name the key at fault."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise InvalidArgument(f"manifest is not valid JSON: {exc}", field="manifest") from None
    if not isinstance(data, Mapping):
        raise InvalidArgument("manifest must be a JSON object", field="manifest")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise InvalidArgument(
            f"manifest: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_KEYS))})",
            field=unknown[0],
        )
    bundle_id = _string(data, "bundle_id", required=True)
    assert bundle_id is not None
    if not _BUNDLE_ID.match(bundle_id):
        raise InvalidArgument(
            "manifest: 'bundle_id' must look like com.example.app (letters, digits, dots, dashes)",
            field="bundle_id",
        )
    name = _string(data, "name", required=True)
    assert name is not None
    usage = data.get("usage_descriptions", {})
    if not isinstance(usage, Mapping):
        raise InvalidArgument(
            "manifest: 'usage_descriptions' must be an object", field="usage_descriptions"
        )
    for key, text in usage.items():
        if key not in USAGE_KEYS:
            raise InvalidArgument(
                f"manifest: unknown usage description {key!r} (allowed: {', '.join(USAGE_KEYS)})",
                field=f"usage_descriptions.{key}",
            )
        if not isinstance(text, str) or not text.strip():
            raise InvalidArgument(
                f"manifest: usage description {key!r} must be a non-empty string",
                field=f"usage_descriptions.{key}",
            )
    url = _string(data, "privacy_policy_url", required=False)
    if url is not None:
        parsed = urlparse(url)
        if parsed.scheme not in ("https", "http") or not parsed.netloc:
            raise InvalidArgument(
                "manifest: 'privacy_policy_url' must be an http(s) URL",
                field="privacy_policy_url",
            )
    entitlements = _strings(data, "entitlements") if "entitlements" in data else ("healthkit",)
    for entitlement in entitlements:
        if entitlement not in ENTITLEMENTS:
            raise InvalidArgument(
                f"manifest: unknown entitlement {entitlement!r} "
                f"(allowed: {', '.join(ENTITLEMENTS)})",
                field="entitlements",
            )
    if "healthkit" not in entitlements:
        raise InvalidArgument(
            "manifest: 'entitlements' must include 'healthkit'", field="entitlements"
        )
    return AppManifest(
        bundle_id=bundle_id,
        name=name,
        usage_descriptions=dict(usage),
        privacy_policy_url=url,
        entitlements=entitlements,
        purposes=_strings(data, "purposes"),
    )
