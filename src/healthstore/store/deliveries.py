"""The person's side of background delivery: the webhook worker, observers and what was
sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from healthstore.delivery.observers import Observer
from healthstore.delivery.outbox import Delivery
from healthstore.store.base import StoreBase

if TYPE_CHECKING:
    from healthstore.delivery.worker import DeliveryWorker


class DeliveriesMixin(StoreBase):
    """Webhook deliveries of the store."""

    def start_deliveries(self, **options: Any) -> DeliveryWorker:
        """Start sending webhook notifications in a background thread (the server does);
        ``options`` tune the :class:`~healthstore.delivery.worker.DeliveryWorker`."""
        return self._deliveries.start_worker(**options)

    def stop_deliveries(self) -> None:
        self._deliveries.stop_worker()

    def delivery_worker(self, **options: Any) -> DeliveryWorker:
        """A worker that is not started: call ``run_once()`` to send what is due."""
        return self._deliveries.worker(**options)

    def observers(self, bundle_id: str | None = None) -> list[Observer]:
        """Every app's observers (or one app's)."""
        app_id = None if bundle_id is None else self._apps.get(bundle_id).id
        return self._deliveries.observers.all(app_id)

    def deliveries(self, limit: int = 100) -> list[Delivery]:
        """The newest webhook notifications and their state, newest first."""
        return self._deliveries.outbox.history(limit=limit)
