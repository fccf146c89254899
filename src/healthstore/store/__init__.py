"""The store: the person's view (:class:`HealthStore`), an app's view
(:class:`~healthstore.store.app.AppStore`), and what they stand on — the vault, backups,
deliveries, and the apps and grants the person manages."""

from healthstore.store.person import (
    DATABASE_FILE,
    FORMAT_FILE,
    OWNER_REVISION,
    OWNER_SOURCE,
    AppReport,
    HealthStore,
)

__all__ = [
    "DATABASE_FILE",
    "FORMAT_FILE",
    "OWNER_REVISION",
    "OWNER_SOURCE",
    "AppReport",
    "HealthStore",
]
