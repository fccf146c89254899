"""Authorization: what an app asked for, what the person decided, and what follows (spec §4).

An app asks to *share* (write) and to *read* types; the person answers type by type. A
recorded request completes at once: success means "asked", not "granted". What the app is
told (:func:`authorization_status`) reflects sharing only; whether it may read is never
revealed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from healthstore import catalogue
from healthstore.access.apps import App
from healthstore.access.manifest import CLINICAL_USAGE, SHARE_USAGE, UPDATE_USAGE
from healthstore.authorization import AuthorizationStatus, RequestStatus
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.storage import app_history, authorizations
from healthstore.storage.app_history import HistoryAccess
from healthstore.storage.backend import Backend
from healthstore.storage.dimensions import Dimensions

# what apps are told lives in healthstore.authorization, light enough for the HTTP client
__all__ = [
    "AuthorizationStatus",
    "Decision",
    "Grants",
    "Mode",
    "PendingRequest",
    "RequestStatus",
    "object_types",
    "validate_request",
]


class Mode(StrEnum):
    read = "read"
    share = "share"


class Decision(StrEnum):
    requested = "requested"
    authorized = "authorized"
    denied = "denied"


@dataclass(frozen=True)
class PendingRequest:
    """Types an app asked for that the person has not answered yet."""

    bundle_id: str
    name: str
    read: tuple[str, ...]
    share: tuple[str, ...]
    usage_descriptions: dict[str, str]


def object_types(names: Iterable[str | ObjectType], field: str) -> list[ObjectType]:
    if isinstance(names, str):
        raise InvalidArgument(f"{field} must be a collection of types, not a string", field=field)
    return [catalogue.object_type(n) for n in names]


def validate_request(app: App, share: list[ObjectType], read: list[ObjectType]) -> None:
    """The checks HealthKit makes before recording a request; each failure names its cause."""
    m = app.manifest
    if not share and not read:
        raise InvalidArgument("nothing requested: share and read are both empty", field="types")
    if share and m.usage(UPDATE_USAGE) is None:
        raise InvalidArgument(
            f"writing needs the {UPDATE_USAGE} usage description in the manifest", field="share"
        )
    if read and m.usage(SHARE_USAGE) is None:
        raise InvalidArgument(
            f"reading needs the {SHARE_USAGE} usage description in the manifest", field="read"
        )
    for t in share:
        if not t.app_writable:
            raise InvalidArgument(f"apps may not write {t.short_name}", field="share")
    for t in (*share, *read):
        if t.kind is Kind.correlation:
            raise InvalidArgument(
                f"{t.short_name} is a correlation: request its member types instead",
                field="read" if t in read else "share",
            )
    if any(t.kind in (Kind.clinical, Kind.verifiableClinicalRecord) for t in read):
        if not m.has("health-records"):
            raise InvalidArgument(
                "clinical records need the health-records entitlement", field="read"
            )
        if m.usage(CLINICAL_USAGE) is None:
            raise InvalidArgument(
                f"clinical records need the {CLINICAL_USAGE} usage description", field="read"
            )
        if not m.privacy_policy_url:
            raise InvalidArgument("clinical records need a privacy policy URL", field="read")


class Grants:
    """Requests and decisions of one user's apps."""

    def __init__(self, backend: Backend, dims: Dimensions, user_id: int) -> None:
        self._db = backend
        self._dims = dims
        self._user = user_id

    def decisions(self, app: App) -> dict[tuple[str, Mode], Decision]:
        return {
            (self._dims.object_type(type_id).identifier, Mode(mode)): Decision(status)
            for type_id, mode, status in authorizations.decisions(self._db, self._user, app.id)
        }

    def record_request(
        self, app: App, share: list[ObjectType], read: list[ObjectType], now_us: int
    ) -> None:
        """Record a request; types already asked for keep their state."""
        with self._db.transaction():
            for mode, types in ((Mode.share, share), (Mode.read, read)):
                for t in types:
                    authorizations.add_request(
                        self._db, self._user, app.id, self._dims.type_id(t), mode.value, now_us
                    )

    def decide(
        self,
        app: App,
        types: list[ObjectType],
        mode: Mode,
        decision: Decision,
        now_us: int,
        *,
        only: tuple[Decision, ...],
    ) -> list[ObjectType]:
        """Set ``decision`` on types whose current state is in ``only``; a type the app never
        asked for is an error naming it. Returns the types changed."""
        current = self.decisions(app)
        for t in types:
            if (t.identifier, mode) not in current:
                raise InvalidArgument(
                    f"{app.bundle_id} did not ask to {mode.value} {t.short_name}", field=mode.value
                )
        changed = [t for t in types if current[(t.identifier, mode)] in only]
        with self._db.transaction():
            for t in changed:
                authorizations.set_status(
                    self._db,
                    self._user,
                    app.id,
                    self._dims.type_id(t),
                    mode.value,
                    decision.value,
                    now_us,
                )
            if changed and mode is Mode.read and decision is Decision.authorized:
                app_history.record_first_read(self._db, self._user, app.id, now_us)
        return changed

    def history(self, app: App) -> HistoryAccess:
        """When the app was first let read, and whether it may read older data."""
        return app_history.read(self._db, self._user, app.id)

    def set_history(self, app: App, granted: bool) -> bool:
        """Grant or withdraw history (reading data older than the history limit); True
        when that changed something."""
        with self._db.transaction():
            return app_history.set_granted(self._db, self._user, app.id, granted)

    def readable_type_ids(self, app: App) -> set[int]:
        """Ids of the types the person let this app read."""
        return authorizations.readable_type_ids(self._db, self._user, app.id)

    def authorization_status(self, app: App, t: ObjectType) -> AuthorizationStatus:
        """Sharing status: a read-only decision shows as sharingDenied."""
        current = self.decisions(app)
        share = current.get((t.identifier, Mode.share))
        if share is Decision.authorized:
            return AuthorizationStatus.sharingAuthorized
        if share is Decision.denied:
            return AuthorizationStatus.sharingDenied
        if share is None and current.get((t.identifier, Mode.read)) in (
            Decision.authorized,
            Decision.denied,
        ):
            return AuthorizationStatus.sharingDenied
        return AuthorizationStatus.notDetermined

    def request_status(
        self, app: App, share: list[ObjectType], read: list[ObjectType]
    ) -> RequestStatus:
        """shouldRequest while any of the types was never asked for; else unnecessary."""
        current = self.decisions(app)
        asked = all((t.identifier, Mode.share) in current for t in share) and all(
            (t.identifier, Mode.read) in current for t in read
        )
        return RequestStatus.unnecessary if asked else RequestStatus.shouldRequest

    def share_decision(self, app: App, t: ObjectType) -> Decision | None:
        return self.decisions(app).get((t.identifier, Mode.share))

    def pending(self, apps: Iterable[App]) -> list[PendingRequest]:
        out = []
        for app in apps:
            current = self.decisions(app)
            wanted = {
                mode: tuple(
                    sorted(
                        catalogue.object_type(identifier).short_name
                        for (identifier, m), decision in current.items()
                        if m is mode and decision is Decision.requested
                    )
                )
                for mode in Mode
            }
            if wanted[Mode.read] or wanted[Mode.share]:
                out.append(
                    PendingRequest(
                        app.bundle_id,
                        app.name,
                        wanted[Mode.read],
                        wanted[Mode.share],
                        dict(app.manifest.usage_descriptions),
                    )
                )
        return out
