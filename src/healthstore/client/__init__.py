"""The Python SDK: :class:`HealthClient` speaks the HTTP API with the same methods as
:class:`~healthstore.store.app.AppStore`, so an app's code runs against either;
:class:`SyncEngine` uploads a device's samples reliably; :func:`verify_signature` checks a
webhook delivery."""

from healthstore.client.http import HealthClient
from healthstore.client.sync import LocalSamples, SyncEngine, SyncProgress, SyncReport
from healthstore.delivery.signing import verify as verify_signature

__all__ = [
    "HealthClient",
    "LocalSamples",
    "SyncEngine",
    "SyncProgress",
    "SyncReport",
    "verify_signature",
]
