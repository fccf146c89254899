"""What an app is told about its authorization: HealthKit's two status enums.

Plain values, apart from the rules that decide them (:mod:`healthstore.access.grants`), so
the HTTP client speaks them without loading the store (:mod:`healthstore.api`).
"""

from __future__ import annotations

from enum import Enum


class AuthorizationStatus(Enum):
    """HealthKit's HKAuthorizationStatus: about sharing only."""

    notDetermined = 0
    sharingDenied = 1
    sharingAuthorized = 2


class RequestStatus(Enum):
    """HealthKit's HKAuthorizationRequestStatus."""

    unknown = 0
    shouldRequest = 1
    unnecessary = 2
