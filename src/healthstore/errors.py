"""The one exception tree of healthstore, mirroring HealthKit's ``HKError`` codes.

::

    HealthStoreError                 .code (ErrorCode, an int), .name ("invalidArgument"), .field
     ├── InvalidArgument             3  bad input: names the field, type, unit or index
     ├── AuthorizationDenied         4  the person said no (or the app may not do this)
     ├── AuthorizationNotDetermined  5  the person has not answered yet
     ├── DatabaseInaccessible        6  the store is locked or cannot be opened
     ├── NoData                     11  nothing there (e.g. a characteristic that is not set)
     └── DataSizeExceeded           13  a batch or body over its limit

Every error carries a message that says what was wrong and where. Messages never contain
health values, tokens or secrets.
"""

from __future__ import annotations

from enum import IntEnum


class ErrorCode(IntEnum):
    """HealthKit's ``HKError.Code`` values; ``.name`` is HealthKit's case name."""

    unknown = 0
    healthDataUnavailable = 1
    healthDataRestricted = 2
    invalidArgument = 3
    authorizationDenied = 4
    authorizationNotDetermined = 5
    databaseInaccessible = 6
    userCanceled = 7
    anotherWorkoutSessionStarted = 8
    userExitedWorkoutSession = 9
    requiredAuthorizationDenied = 10
    noData = 11
    workoutActivityNotAllowed = 12
    dataSizeExceeded = 13
    backgroundWorkoutSessionNotAllowed = 14
    notPermissibleForGuestUserMode = 15


class HealthStoreError(Exception):
    """Base of every error healthstore raises on purpose.

    ``code`` is the :class:`ErrorCode` (compares equal to HealthKit's integer), ``name`` its
    HealthKit case name, ``field`` the input field at fault when there is one.
    """

    default_code: ErrorCode = ErrorCode.unknown

    def __init__(
        self, message: str, *, field: str | None = None, code: ErrorCode | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code: ErrorCode = code if code is not None else self.default_code

    @property
    def name(self) -> str:
        """HealthKit's name for the error code, e.g. ``"invalidArgument"``."""
        return self.code.name

    def to_dict(self) -> dict[str, object]:
        """The JSON shape used by the CLI and the HTTP API."""
        return {
            "code": int(self.code),
            "name": self.name,
            "message": self.message,
            "field": self.field,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={int(self.code)})"


class InvalidArgument(HealthStoreError):
    """Input that cannot be accepted: the message names the field and where it was."""

    default_code = ErrorCode.invalidArgument


class ItemsRejected(InvalidArgument):
    """Objects of a batch that cannot be saved, by their index in the batch; message and
    field are those of the first."""

    def __init__(self, items: dict[int, HealthStoreError]) -> None:
        first = items[min(items)]
        super().__init__(first.message, field=first.field, code=first.code)
        self.items = items


class AuthorizationDenied(HealthStoreError):
    """The person denied this, or the app lacks what the operation needs."""

    default_code = ErrorCode.authorizationDenied


class AuthorizationNotDetermined(HealthStoreError):
    """The person has not decided yet on what the operation needs."""

    default_code = ErrorCode.authorizationNotDetermined


class DatabaseInaccessible(HealthStoreError):
    """The store is locked, missing or cannot be opened."""

    default_code = ErrorCode.databaseInaccessible


class NoData(HealthStoreError):
    """The requested data does not exist."""

    default_code = ErrorCode.noData


class DataSizeExceeded(HealthStoreError):
    """A batch or a request body is larger than allowed."""

    default_code = ErrorCode.dataSizeExceeded


__all__ = [
    "AuthorizationDenied",
    "AuthorizationNotDetermined",
    "DataSizeExceeded",
    "DatabaseInaccessible",
    "ErrorCode",
    "HealthStoreError",
    "InvalidArgument",
    "ItemsRejected",
    "NoData",
]
