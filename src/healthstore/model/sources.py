"""Where a sample came from: its source (app or device) at one revision, and the device."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from healthstore import limits
from healthstore.errors import InvalidArgument


def _text(value: object, field: str, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise InvalidArgument(f"{field} is required", field=field)
        return None
    if not isinstance(value, str):
        raise InvalidArgument(f"{field} must be a string", field=field)
    limits.check_text(value, field)
    return value


@dataclass(frozen=True, slots=True)
class Source:
    """The app or device that wrote a sample: bundle identifier and display name."""

    bundle_id: str
    name: str

    def __post_init__(self) -> None:
        _text(self.bundle_id, "source.bundle_id", required=True)
        _text(self.name, "source.name", required=True)


@dataclass(frozen=True, slots=True)
class SourceRevision:
    """A source at one version, on one product and operating system."""

    source: Source
    version: str | None = None
    product_type: str | None = None
    os_version: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.source, Source):
            raise InvalidArgument("source_revision.source must be a Source", field="source")
        _text(self.version, "source.version")
        _text(self.product_type, "source.product_type")
        _text(self.os_version, "source.os_version")


@dataclass(frozen=True, slots=True)
class Device:
    """The hardware that measured a sample. Every field is optional."""

    name: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    hardware_version: str | None = None
    firmware_version: str | None = None
    software_version: str | None = None
    local_identifier: str | None = None
    udi_device_identifier: str | None = None

    def __post_init__(self) -> None:
        for key in self.__slots__:
            _text(getattr(self, key), f"device.{key}")


@lru_cache(maxsize=1024)
def _plain_revision(source: Source) -> SourceRevision:
    return SourceRevision(source)


def revision_of(source: Source | SourceRevision | None) -> SourceRevision | None:
    """A sample's source revision; a plain source stands for itself at no version."""
    if source is None or isinstance(source, SourceRevision):
        return source
    if isinstance(source, Source):
        return _plain_revision(source)
    raise InvalidArgument("source must be a Source or SourceRevision", field="source")
