"""What every part of the person's store stands on: the wiring of one store (backend, id
caches, apps, grants, audit, deliveries, the locked-write journal), its secrets, its
lifetime, and the views it hands to apps."""

from __future__ import annotations

import secrets
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import Self

from healthstore.access.anchors import AnchorCipher, app_key
from healthstore.access.apps import App, AppRegistry, token_digest
from healthstore.access.audit import AuditLog
from healthstore.access.grants import Grants
from healthstore.errors import AuthorizationDenied, DatabaseInaccessible
from healthstore.query.live import ChangeHub
from healthstore.storage import secrets as stored_secrets
from healthstore.storage.backend import Backend
from healthstore.storage.dimensions import Dimensions
from healthstore.storage.lockable import LockableBackend
from healthstore.store.app import AppStore
from healthstore.store.background import Background
from healthstore.store.locked import LockedWrites
from healthstore.store.view import SampleView

IMPORT_UUIDS = "apple-import-uuids"
"""The key of the uuids an Apple import derives (empty: a store older than keyed uuids,
which keeps the unkeyed derivation; migration 0008)."""


class StoreBase(SampleView):
    """One person's store, wired: the parts the person's methods share."""

    def __init__(
        self,
        backend: Backend,
        directory: Path | None = None,
        user_id: int = 1,
        *,
        journal_key: bytes | None = None,
    ) -> None:
        if not isinstance(backend, LockableBackend):
            backend = LockableBackend(backend)
        dims = Dimensions(backend, user_id)
        self._apps = AppRegistry(backend, user_id)
        self._grants = Grants(backend, dims, user_id)
        self._deliveries = Background(
            backend, dims, user_id, self._apps, self._grants, lambda: self._secret("webhooks")
        )
        lockable = backend if isinstance(backend, LockableBackend) else None
        self._lockable = lockable
        self._locked = (
            LockedWrites(lockable, directory, journal_key) if lockable is not None else None
        )
        super().__init__(backend, dims, user_id, ChangeHub(), self._deliveries, self._locked)
        self.directory = directory
        self._audit = AuditLog(backend, user_id)
        self._secrets_kept: dict[str, bytes] = {}
        self._apps_kept: dict[str, App] = {}

    @property
    def encrypted(self) -> bool:
        """Whether the database is encrypted at rest."""
        return bool(getattr(self._backend, "encrypted", False))

    @property
    def locked(self) -> bool:
        return self._locked is not None and self._locked.active

    def close(self) -> None:
        self._deliveries.stop_worker()
        try:
            if not self.locked:
                self._audit.flush()
        finally:
            self._backend.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def transaction(self) -> AbstractContextManager[None]:
        """Group several writes into one all-or-nothing transaction."""
        return self._backend.transaction()

    def app(self, bundle_id: str) -> AppStore:
        """The view of a registered app (in-process apps; servers use :meth:`app_for_token`)."""
        return self._app_store(self._apps.get(bundle_id))

    def app_for_token(self, token: str) -> AppStore:
        """The view of the app a token belongs to; a bad or revoked token is
        authorizationDenied. While the store is locked, apps are recognised from what was
        known when it was locked (so they can still write)."""
        if self.locked:
            app = self._apps_kept.get(token_digest(token)) if isinstance(token, str) else None
            if app is None:
                raise AuthorizationDenied("the app token is not valid", field="token")
            return self._app_store(app)
        return self._app_store(self._apps.by_token(token))

    def _app_store(self, app: App) -> AppStore:
        cipher = AnchorCipher(app_key(self._secret("anchors"), app.bundle_id))
        return AppStore(
            self._backend,
            self._dims,
            self.user_id,
            app,
            self._grants,
            self._audit,
            cipher,
            self._hub,
            self._deliveries,
            self._locked,
        )

    def _secret(self, name: str) -> bytes:
        """The store's secret called ``name``, made on first use."""
        if name in self._secrets_kept:
            return self._secrets_kept[name]
        found = stored_secrets.read(self._backend, name)
        if found is not None:
            return found
        return stored_secrets.ensure(self._backend, name, secrets.token_bytes(32))

    def _secret_bytes(self, name: str) -> bytes:
        found = stored_secrets.read(self._backend, name)
        if found is None:
            raise DatabaseInaccessible(f"the store has no {name} key", field="store")
        return found
