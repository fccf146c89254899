"""Requests to the server: the app's token, JSON both ways, errors raised as the library's,
and retries with backoff for what is safe to repeat."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
import orjson

from healthstore.client.errors import ServerUnavailable, error_from_json

Params = Mapping[str, str | int | Sequence[str] | None]
_RETRY_STATUSES = frozenset({423, 429, 502, 503, 504})
_REFUSED_STATUSES = frozenset({423, 429})  # answered before anything was done


class Transport:
    """One app's connection to a server."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout_s: float = 60.0,
        retries: int = 4,
        backoff_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.retries = retries
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._random = random.Random()
        self.http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "healthstore-client"},
            timeout=timeout_s,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        body: Any = None,
        expect_json: bool = True,
        idempotent: bool = True,
    ) -> Any:
        """Send a request and return its JSON; retry connection failures, 423, 429 and 5xx
        gateway errors with backoff. A request that is not ``idempotent`` (one that creates
        something new each time) is retried only when it surely never reached the server."""
        content = None if body is None else orjson.dumps(body)
        headers = {"Content-Type": "application/json"} if content is not None else None
        query = {k: v for k, v in (params or {}).items() if v is not None}
        failures = 0
        while True:
            try:
                response = self.http.request(
                    method, path, params=query, content=content, headers=headers
                )
            except httpx.TransportError as exc:
                failures += 1
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if failures > self.retries or not (idempotent or unsent):
                    raise ServerUnavailable(
                        f"cannot reach {self.url}: {type(exc).__name__}"
                    ) from None
                self._sleep(self._delay(failures, None))
                continue
            retry = _RETRY_STATUSES if idempotent else _REFUSED_STATUSES
            if response.status_code in retry and failures < self.retries:
                failures += 1
                self._sleep(self._delay(failures, response.headers.get("Retry-After")))
                continue
            return self._answer(response, expect_json)

    def _delay(self, failures: int, retry_after: str | None) -> float:
        if retry_after and retry_after.isdigit():
            return float(retry_after)
        ceiling: float = self.backoff_s * 2 ** (failures - 1)
        return ceiling * (0.5 + 0.5 * self._random.random())

    @staticmethod
    def _answer(response: httpx.Response, expect_json: bool) -> Any:
        if response.is_success:
            if not expect_json or response.status_code == 204:
                return None
            return orjson.loads(response.content)
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            data = None
        raise error_from_json(data, response.status_code)
