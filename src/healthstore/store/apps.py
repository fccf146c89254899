"""The person's side of apps: registering them, answering their requests, reading the
audit log and what apps used, and sharing with a third party under a consent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from healthstore import catalogue
from healthstore.access.apps import App
from healthstore.access.audit import PERSON, AuditEntry
from healthstore.access.consent import Consent, check_consent
from healthstore.access.grants import Decision, Mode, PendingRequest, object_types
from healthstore.access.manifest import AppManifest
from healthstore.errors import InvalidArgument
from healthstore.model import Sample
from healthstore.query import predicates as p
from healthstore.storage import consents
from healthstore.storage.app_history import HistoryAccess
from healthstore.store.base import StoreBase
from healthstore.store.view import TypeLike, now_us, sample_types
from healthstore.times import from_micros

_ANY = (Decision.requested, Decision.authorized, Decision.denied)


@dataclass(frozen=True)
class AppReport:
    """What an app asked for against what it used (the App Review over-request check)."""

    bundle_id: str
    days: int
    requested: tuple[str, ...]
    used: tuple[str, ...]
    unused: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle_id": self.bundle_id,
            "days": self.days,
            "requested": list(self.requested),
            "used": list(self.used),
            "unused": list(self.unused),
        }


class AppsMixin(StoreBase):
    """Apps, the person's answers, the audit log and consents."""

    # --- apps ---------------------------------------------------------------------------
    def register_app(self, manifest: AppManifest | Mapping[str, Any] | str) -> str:
        """Register an app from its manifest; returns its secret token, which is shown this
        once and kept only as a hash."""
        app, token = self._apps.register(manifest, now_us())
        self._audit.append(PERSON, "apps.register", (), 0, now_us(), {"app": app.bundle_id})
        return token

    def renew_app_token(self, bundle_id: str) -> str:
        """A new token for an app (the old one stops working)."""
        token = self._apps.renew_token(bundle_id)
        self._audit.append(PERSON, "apps.renew_token", (), 0, now_us(), {"app": bundle_id})
        return token

    def apps(self) -> list[App]:
        return self._apps.all()

    def app_info(self, bundle_id: str) -> App:
        return self._apps.get(bundle_id)

    def remove_app(self, bundle_id: str, *, delete_data: bool = False) -> int:
        """Unregister an app. Its samples stay unless ``delete_data``; returns how many
        samples were deleted."""
        app = self._apps.get(bundle_id)
        deleted = 0
        if delete_data:
            deleted = self.delete(type=sample_types(None), predicate=p.from_sources(app.source))
        self._deliveries.observers.remove_app(app.id)
        self._apps.remove(bundle_id)
        self._audit.append(
            PERSON, "apps.remove", (), deleted, now_us(), {"app": bundle_id, "deleted": deleted}
        )
        return deleted

    # --- the person's answers -----------------------------------------------------------
    def pending_requests(self) -> list[PendingRequest]:
        """What apps asked for that the person has not answered yet."""
        return self._grants.pending(self._apps.all())

    def grant(
        self,
        bundle_id: str,
        *,
        read: Iterable[TypeLike] = (),
        share: Iterable[TypeLike] = (),
        history: bool = False,
    ) -> dict[str, list[str]]:
        """Allow an app to read and write the given types (which it must have asked for),
        and with ``history`` to read data older than the history limit. Returns the types
        changed, per mode (and ``history: ["history"]`` when that changed)."""
        return self._decide(bundle_id, read, share, Decision.authorized, "grant", _ANY, history)

    def deny(
        self, bundle_id: str, *, read: Iterable[TypeLike] = (), share: Iterable[TypeLike] = ()
    ) -> dict[str, list[str]]:
        """Refuse an app the given types. Returns the types changed, per mode."""
        return self._decide(bundle_id, read, share, Decision.denied, "deny", _ANY)

    def revoke(
        self,
        bundle_id: str,
        *,
        read: Iterable[TypeLike] = (),
        share: Iterable[TypeLike] = (),
        history: bool = False,
    ) -> dict[str, list[str]]:
        """Withdraw permissions granted before (they become denied), and with ``history``
        the reading of older data. Returns the types changed, per mode."""
        return self._decide(
            bundle_id, read, share, Decision.denied, "revoke", (Decision.authorized,), history
        )

    def history_access(self, bundle_id: str) -> HistoryAccess:
        """When an app was first let read, and whether it may read data older than the
        history limit (30 days before that)."""
        return self._grants.history(self._apps.get(bundle_id))

    def _decide(
        self,
        bundle_id: str,
        read: Iterable[TypeLike],
        share: Iterable[TypeLike],
        decision: Decision,
        operation: str,
        only: tuple[Decision, ...],
        history: bool = False,
    ) -> dict[str, list[str]]:
        app = self._apps.get(bundle_id)
        read_types, share_types = object_types(read, "read"), object_types(share, "share")
        if not read_types and not share_types and not history:
            raise InvalidArgument(f"{operation}: name types to read or share", field="types")
        changed = {
            mode: self._grants.decide(app, types, mode, decision, now_us(), only=only)
            for mode, types in ((Mode.read, read_types), (Mode.share, share_types))
        }
        names = {m.value: sorted(t.short_name for t in ts) for m, ts in changed.items()}
        if history:
            granted = decision is Decision.authorized
            names["history"] = ["history"] if self._grants.set_history(app, granted) else []
        self._audit.append(
            PERSON,
            f"apps.{operation}",
            [*names["read"], *names["share"]],
            0,
            now_us(),
            {"app": bundle_id, **names},
        )
        return names

    def authorizations(self, bundle_id: str) -> dict[str, dict[str, str]]:
        """An app's requests and the person's decisions: type short name → {"read": …,
        "share": …} with values ``requested``, ``authorized`` or ``denied``."""
        app = self._apps.get(bundle_id)
        out: dict[str, dict[str, str]] = {}
        for (identifier, mode), decision in sorted(self._grants.decisions(app).items()):
            name = catalogue.object_type(identifier).short_name
            out.setdefault(name, {})[mode.value] = decision.value
        return dict(sorted(out.items()))

    # --- audit and reports --------------------------------------------------------------
    def audit(
        self,
        app: str | None = None,
        since: datetime | None = None,
        limit: int = 0,
        *,
        newest_first: bool = False,
    ) -> list[AuditEntry]:
        """The audit log (oldest first unless ``newest_first``): every app read and write,
        every decision of the person."""
        return self._audit.entries(app, since, limit, newest_first=newest_first)

    def app_report(self, bundle_id: str, days: int = 30) -> AppReport:
        """The types an app asked for, those it used in the last ``days`` days, and those it
        asked for but did not use."""
        app = self._apps.get(bundle_id)
        requested = {
            catalogue.object_type(identifier).short_name
            for identifier, _ in self._grants.decisions(app)
        }
        since = from_micros(now_us()) - timedelta(days=days)
        used = {
            name
            for entry in self._audit.entries(app.bundle_id, since)
            if entry.operation != "request_authorization"
            for name in entry.types
        }
        return AppReport(
            bundle_id,
            days,
            tuple(sorted(requested)),
            tuple(sorted(used)),
            tuple(sorted(requested - used)),
        )

    # --- sharing with a third party -----------------------------------------------------
    def export_for(
        self,
        recipient: str,
        types: Iterable[TypeLike],
        purpose: str,
        consent: Consent | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> dict[str, list[Sample]]:
        """The samples of ``types`` to hand to ``recipient``, given the person's consent
        record for that recipient, purpose and types. Advertising, marketing and data
        brokerage are refused whatever the consent says. Recorded in the audit log."""
        wanted = sample_types(types)
        check_consent(recipient, wanted, purpose, consent)
        assert consent is not None
        consents.record(
            self._backend,
            self.user_id,
            recipient,
            purpose,
            (t.short_name for t in wanted),
            now_us(),
            consent.statement,
        )
        out = {t.short_name: self.samples(t, start=start, end=end) for t in wanted}
        self._audit.append(
            PERSON,
            "export_for",
            out,
            sum(len(v) for v in out.values()),
            now_us(),
            {"recipient": recipient, "purpose": purpose},
        )
        return out
