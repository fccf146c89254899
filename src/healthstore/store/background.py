"""Background delivery, joined to the store: which observers a write concerns, and whether
an app may still be told.

A change notifies an observer when the observer's app holds the background-delivery
entitlement and may see the change: the person let it read the type, or the change includes
samples the app wrote itself, and shows something the app may see (within its history
bound): the app's :class:`~healthstore.access.visibility.Visibility` decides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from healthstore.access.apps import App, AppRegistry
from healthstore.access.grants import Grants
from healthstore.access.visibility import ENTITLEMENT, app_visibility
from healthstore.delivery.observers import ObserverRegistry
from healthstore.delivery.outbox import Due, Outbox
from healthstore.delivery.signing import observer_secret
from healthstore.storage.backend import Backend
from healthstore.storage.dimensions import Dimensions

if TYPE_CHECKING:
    from healthstore.delivery.worker import DeliveryWorker  # loads httpx: only when sending

__all__ = ["ENTITLEMENT", "Background"]


class Background:
    """Observers, outbox and worker of one user's store."""

    def __init__(
        self,
        backend: Backend,
        dims: Dimensions,
        user_id: int,
        apps: AppRegistry,
        grants: Grants,
        key: Callable[[], bytes],
    ) -> None:
        self._dims = dims
        self._apps = apps
        self._grants = grants
        self._key = key
        self.observers = ObserverRegistry(backend, dims, user_id)
        self.outbox = Outbox(backend, user_id)
        self._worker: DeliveryWorker | None = None

    def secret(self, observer_id: str) -> str:
        """The webhook secret of an observer."""
        return observer_secret(self._key(), observer_id)

    def _may_see(
        self, app: App, type_id: int, own_change: bool, latest_start_us: int | None = None
    ) -> bool:
        visibility = app_visibility(self._dims, self._grants, app)
        return visibility.may_notify(type_id, own_change, latest_start_us)

    def announce(self, touched: Mapping[tuple[int, int], int], now_us: int) -> bool:
        """Queue notifications for a change of (type id, source id) pairs, each with the
        latest start of its samples; call inside the write's transaction. True when
        something was queued."""
        watchers = self.observers.watching({type_id for type_id, _ in touched})
        if not watchers:
            return False
        apps = {app.id: app for app in self._apps.all()}
        targets = []
        for watcher in watchers:
            app = apps.get(watcher.app_id)
            if app is None:
                continue
            own_source = self._dims.known_source_id(app.bundle_id)
            own = (watcher.type_id, own_source) in touched
            latest = max(v for (t, _), v in touched.items() if t == watcher.type_id)
            if self._may_see(app, watcher.type_id, own, latest):
                targets.append((watcher.row_id, own))
        return self.outbox.enqueue(targets, now_us) > 0

    def may_notify(self, due: Due) -> bool:
        """Whether the app may still be told (asked again just before sending: the type and
        the entitlement; the change's dates were judged when it was queued)."""
        app = next((a for a in self._apps.all() if a.id == due.app_id), None)
        return app is not None and self._may_see(app, due.type_id, due.own_change)

    # --- the worker -----------------------------------------------------------------------
    def start_worker(self, **options: Any) -> DeliveryWorker:
        """Start delivering in a background thread (``options`` go to
        :class:`~healthstore.delivery.worker.DeliveryWorker`)."""
        if self._worker is None:
            self._worker = self.worker(**options)
            self._worker.start()
        return self._worker

    def worker(self, **options: Any) -> DeliveryWorker:
        """A worker for this outbox, not started (tests step it with ``run_once``)."""
        from healthstore.delivery.worker import DeliveryWorker

        return DeliveryWorker(
            self.outbox,
            secret_for=self.secret,
            type_name=lambda type_id: self._dims.object_type(type_id).short_name,
            may_notify=self.may_notify,
            **options,
        )

    def stop_worker(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def wake(self) -> None:
        if self._worker is not None:
            self._worker.wake()

    def pause(self) -> None:
        """Hold deliveries (the store is locked: the outbox cannot be read)."""
        if self._worker is not None:
            self._worker.pause()

    def resume(self) -> None:
        if self._worker is not None:
            self._worker.resume()
