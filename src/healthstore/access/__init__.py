"""Apps, the person's decisions, the one visibility filter, the audit log and consent."""

from healthstore.access.apps import App, AppRegistry
from healthstore.access.audit import AuditEntry, AuditLog
from healthstore.access.consent import Consent
from healthstore.access.grants import AuthorizationStatus, PendingRequest, RequestStatus
from healthstore.access.manifest import AppManifest, parse_manifest

__all__ = [
    "App",
    "AppManifest",
    "AppRegistry",
    "AuditEntry",
    "AuditLog",
    "AuthorizationStatus",
    "Consent",
    "PendingRequest",
    "RequestStatus",
    "parse_manifest",
]
