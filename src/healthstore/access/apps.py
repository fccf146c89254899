"""The app registry: apps registered from manifests, each with a secret token.

A token is shown once, when the app is registered (or its token is renewed); the store keeps
only its SHA-256 digest. Tokens are 256 random bits, so a fast hash is enough: there is
nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from healthstore.access.manifest import AppManifest, parse_manifest
from healthstore.errors import AuthorizationDenied, InvalidArgument
from healthstore.model import Source
from healthstore.storage import app_history, authorizations
from healthstore.storage import apps as stored_apps
from healthstore.storage.apps import AppRow
from healthstore.storage.backend import Backend
from healthstore.times import from_micros

TOKEN_PREFIX = "hst_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class App:
    """A registered app."""

    id: int
    manifest: AppManifest
    created: datetime

    @property
    def bundle_id(self) -> str:
        return self.manifest.bundle_id

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def source(self) -> Source:
        """The source its samples are written as."""
        return Source(self.bundle_id, self.name)


class AppRegistry:
    """Registered apps of one user."""

    def __init__(self, backend: Backend, user_id: int) -> None:
        self._db = backend
        self._user = user_id

    def register(
        self, manifest: AppManifest | Mapping[str, Any] | str, now_us: int
    ) -> tuple[App, str]:
        """Register an app; returns it and its token (the only time the token is seen)."""
        m = manifest if isinstance(manifest, AppManifest) else parse_manifest(manifest)
        token = new_token()
        with self._db.transaction():
            if self._find(m.bundle_id) is not None:
                raise InvalidArgument(
                    f"an app with bundle id {m.bundle_id!r} is already registered",
                    field="bundle_id",
                )
            stored_apps.insert(
                self._db,
                self._user,
                m.bundle_id,
                m.name,
                json.dumps(m.to_json()),
                token_digest(token),
                now_us,
            )
        app = self._find(m.bundle_id)
        assert app is not None
        return app, token

    def renew_token(self, bundle_id: str) -> str:
        """A new token for an app; the old one stops working at once."""
        app = self.get(bundle_id)
        token = new_token()
        stored_apps.set_token_hash(self._db, app.id, token_digest(token))
        return token

    def _find(self, bundle_id: str) -> App | None:
        row = stored_apps.by_bundle_id(self._db, self._user, bundle_id)
        return None if row is None else _app(row)

    def get(self, bundle_id: str) -> App:
        """A registered app by bundle id."""
        app = self._find(bundle_id)
        if app is None:
            raise InvalidArgument(f"no app {bundle_id!r} is registered", field="bundle_id")
        return app

    def by_token(self, token: str) -> App:
        """The app a token belongs to. Unknown, tampered and revoked tokens all get the same
        answer, which never repeats the token."""
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            raise AuthorizationDenied("the app token is not valid", field="token")
        row = stored_apps.by_token_hash(self._db, self._user, token_digest(token))
        if row is None:
            raise AuthorizationDenied("the app token is not valid", field="token")
        return _app(row)

    def by_token_digest(self) -> dict[str, App]:
        """Every app by the digest of its token (kept in memory while the store is locked,
        so apps can still be recognised)."""
        return {row.token_hash: _app(row) for row in stored_apps.every(self._db, self._user)}

    def all(self) -> list[App]:
        return [_app(row) for row in stored_apps.every(self._db, self._user)]

    def remove(self, bundle_id: str) -> App:
        """Unregister an app: its token and decisions go; its samples stay."""
        app = self.get(bundle_id)
        with self._db.transaction():
            authorizations.forget(self._db, self._user, app.id)
            app_history.forget(self._db, self._user, app.id)
            stored_apps.delete(self._db, app.id)
        return app


def _app(row: AppRow) -> App:
    return App(row.id, parse_manifest(row.manifest), from_micros(row.created_us))
