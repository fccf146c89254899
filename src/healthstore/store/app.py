"""``AppStore``: one app's view of the store.

It has the same read and write methods as :class:`~healthstore.HealthStore`, but every read
passes the visibility filter (:mod:`healthstore.access.visibility`), every write is checked
against the person's decisions and attributed to the app, and every call is audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from healthstore import catalogue
from healthstore.access.anchors import AnchorCipher
from healthstore.access.apps import App
from healthstore.access.audit import AuditLog
from healthstore.access.grants import (
    AuthorizationStatus,
    Decision,
    Grants,
    RequestStatus,
    object_types,
    validate_request,
)
from healthstore.access.visibility import ENTITLEMENT, Visibility, app_visibility
from healthstore.api import AppAPI, TypeLike
from healthstore.catalogue import ObjectType
from healthstore.delivery.observers import Observer
from healthstore.errors import AuthorizationDenied, AuthorizationNotDetermined
from healthstore.model import Correlation, Sample, Source
from healthstore.query.live import ChangeHub
from healthstore.query.reader import Scope
from healthstore.query.references import Found, Ref, visible_rows
from healthstore.storage.backend import Backend
from healthstore.storage.dimensions import Dimensions
from healthstore.store.background import Background
from healthstore.store.locked import LockedWrites
from healthstore.store.view import SampleView, now_us, sample_type, serialized


class AppStore(SampleView, AppAPI):
    """What one app may read and write (:class:`~healthstore.api.AppAPI`, which the HTTP
    client declares too)."""

    def __init__(
        self,
        backend: Backend,
        dims: Dimensions,
        user_id: int,
        app: App,
        grants: Grants,
        audit: AuditLog,
        anchors: AnchorCipher,
        hub: ChangeHub,
        background: Background,
        locked_writes: LockedWrites | None = None,
    ) -> None:
        super().__init__(backend, dims, user_id, hub, background, locked_writes)
        self._observers = background
        self.app = app
        self._grants = grants
        self._audit = audit
        self._anchors = anchors

    @property
    def bundle_id(self) -> str:
        return self.app.bundle_id

    # --- authorization ------------------------------------------------------------------
    @serialized
    def request_authorization(
        self, share: Iterable[TypeLike] = (), read: Iterable[TypeLike] = ()
    ) -> None:
        """Ask the person for permission to write ``share`` and read ``read``. Completes as
        soon as the request is recorded; the person answers later, type by type."""
        share_types = object_types(share, "share")
        read_types = object_types(read, "read")
        validate_request(self.app, share_types, read_types)
        self._grants.record_request(self.app, share_types, read_types, now_us())
        self._audit.append(
            self.bundle_id,
            "request_authorization",
            [t.short_name for t in (*share_types, *read_types)],
            0,
            now_us(),
            {
                "share": sorted(t.short_name for t in share_types),
                "read": sorted(t.short_name for t in read_types),
            },
        )

    @serialized
    def authorization_status(self, type: TypeLike) -> AuthorizationStatus:
        """Whether the app may write ``type``; says nothing about reading."""
        return self._grants.authorization_status(self.app, catalogue.object_type(type))

    @serialized
    def request_status(
        self, share: Iterable[TypeLike] = (), read: Iterable[TypeLike] = ()
    ) -> RequestStatus:
        """``shouldRequest`` while any of the types was never asked for, else
        ``unnecessary``."""
        return self._grants.request_status(
            self.app, object_types(share, "share"), object_types(read, "read")
        )

    @serialized
    def history_authorized(self) -> bool:
        """Whether the person let the app read data older than the history limit (30 days
        before it was first let read); what it wrote itself it always reads."""
        return self._grants.history(self.app).granted

    # --- background delivery ------------------------------------------------------------
    @serialized
    def add_observer(self, type: TypeLike, url: str, frequency: str = "immediate") -> Observer:
        """Be told by webhook when samples of ``type`` change (HealthKit's observer query
        with background delivery). ``frequency`` (immediate, hourly, daily, weekly) is the
        most often deliveries come; changes in between coalesce. The answer carries the
        webhook ``secret``, shown this once. Needs the background-delivery entitlement; the
        app is told only of changes it may see."""
        t = sample_type(type)
        if not self.app.manifest.has(ENTITLEMENT):
            raise AuthorizationDenied(
                f"{self.bundle_id} lacks the {ENTITLEMENT} entitlement", field="entitlements"
            )
        observer = self._observers.observers.add(self.app.id, t, url, frequency, now_us())
        self._record("observers.add", [t], 1)
        return replace(observer, secret=self._observers.secret(observer.id))

    @serialized
    def observers(self) -> list[Observer]:
        """The app's observers."""
        return self._observers.observers.all(self.app.id)

    @serialized
    def remove_observer(self, observer_id: str) -> None:
        """Stop an observer; notifications not yet sent are dropped."""
        self._observers.observers.remove(self.app.id, observer_id)
        self._record("observers.remove", (), 1)

    @serialized
    def acknowledge_observer(self, observer_id: str) -> Observer:
        """Say the deliveries so far are handled; a paused observer runs again."""
        observer = self._observers.observers.acknowledge(self.app.id, observer_id)
        self._observers.wake()
        return observer

    # --- hooks of SampleView ------------------------------------------------------------
    def _own_source_id(self) -> int | None:
        return self._dims.known_source_id(self.bundle_id)

    def _visibility(self) -> Visibility:
        return app_visibility(self._dims, self._grants, self.app)

    def _delete_scope(self, types: Sequence[ObjectType]) -> Scope:
        return self._visibility().own()

    def _deletable(self, refs: Sequence[Ref], types: Sequence[ObjectType]) -> list[Found | None]:
        """An app deletes only what it saved: a uuid names its own sample. One it can see
        from another source is refused; one it cannot see is, as for a uuid nobody saved,
        nothing to delete."""
        own_refs = [Ref(r.uuid) for r in refs]
        own = self._reader.resolve(own_refs, self._delete_scope(types))
        missing = [r.uuid for r, f in zip(refs, own, strict=True) if f is None]
        if missing:
            visible = visible_rows(self._backend, self.user_id, missing, self._scope(types).samples)
            others = [u for u in missing if visible.get(u)]
            if others:
                raise AuthorizationDenied(
                    f"{self.bundle_id} may delete only objects it saved ({others[0]} is not one)",
                    field="objects",
                )
        return own

    def _forced_source(self) -> Source:
        return self.app.source

    def _actor(self) -> str:
        return self.bundle_id

    def _check_write_offline(self, objects: Sequence[Sample]) -> None:
        for i, obj in enumerate(objects):
            members = obj.objects if isinstance(obj, Correlation) else (obj,)
            for member in members:
                if not member.type.app_writable:
                    where = f"objects[{i}]"
                    raise AuthorizationDenied(
                        f"{where}: apps may not write {member.type.short_name}", field=where
                    )

    def _check_write(self, objects: Sequence[Sample]) -> None:
        for i, obj in enumerate(objects):
            members = obj.objects if isinstance(obj, Correlation) else (obj,)
            for member in members:
                self._check_share(member.type, i)

    def _check_share(self, t: ObjectType, index: int) -> None:
        where = f"objects[{index}]"
        if not t.app_writable:
            raise AuthorizationDenied(f"{where}: apps may not write {t.short_name}", field=where)
        decision = self._grants.share_decision(self.app, t)
        if decision is Decision.authorized:
            return
        if decision is Decision.denied:
            raise AuthorizationDenied(
                f"{where}: the person did not allow {self.bundle_id} to write {t.short_name}",
                field=where,
            )
        raise AuthorizationNotDetermined(
            f"{where}: the person has not decided whether {self.bundle_id} may write "
            f"{t.short_name}; request authorization first",
            field=where,
        )

    def _record(self, operation: str, types: Iterable[ObjectType], count: int) -> None:
        self._audit.append(
            self.bundle_id, operation, [t.short_name for t in types], count, now_us()
        )

    def _encode_anchor(self, anchor: int) -> int:
        return self._anchors.encode(anchor)

    def _decode_anchor(self, anchor: int | None) -> int | None:
        return None if anchor is None else self._anchors.decode(anchor)


_IMPLEMENTS: type[AppAPI] = AppStore  # mypy: a concrete AppAPI, no method of it left out
