"""Errors from the server, raised as the library would raise them."""

from __future__ import annotations

from typing import Any

from healthstore.errors import (
    AuthorizationDenied,
    AuthorizationNotDetermined,
    DatabaseInaccessible,
    DataSizeExceeded,
    ErrorCode,
    HealthStoreError,
    InvalidArgument,
    NoData,
)

_CLASSES: dict[ErrorCode, type[HealthStoreError]] = {
    ErrorCode.invalidArgument: InvalidArgument,
    ErrorCode.authorizationDenied: AuthorizationDenied,
    ErrorCode.authorizationNotDetermined: AuthorizationNotDetermined,
    ErrorCode.databaseInaccessible: DatabaseInaccessible,
    ErrorCode.noData: NoData,
    ErrorCode.dataSizeExceeded: DataSizeExceeded,
}


def error_from_json(data: Any, status: int) -> HealthStoreError:
    """The error a server answer describes (``{code, name, message, field}``)."""
    if not isinstance(data, dict) or "code" not in data:
        return HealthStoreError(f"the server answered HTTP {status}")
    try:
        code = ErrorCode(int(data["code"]))
    except (TypeError, ValueError):
        code = ErrorCode.unknown
    cls = _CLASSES.get(code, HealthStoreError)
    field = data.get("field")
    return cls(
        str(data.get("message", "")), field=field if isinstance(field, str) else None, code=code
    )


class ServerUnavailable(HealthStoreError):
    """The server could not be reached or kept failing (after retries)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=ErrorCode.healthDataUnavailable)
