"""``HealthClient``: an app's store over HTTP, with the methods of
:class:`~healthstore.store.app.AppStore` (both declare :class:`~healthstore.api.AppAPI`).

::

    from healthstore.client import HealthClient
    with HealthClient("http://127.0.0.1:8765", token) as store:
        store.request_authorization(share=["stepCount"], read=["stepCount"])
        store.save(QuantitySample("stepCount", Quantity(120, "count"), start, end))
        store.statistics("stepCount", start=day, end=day + timedelta(days=1), options="sum")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from types import TracebackType
from typing import Any
from uuid import UUID

import httpx
import orjson

from healthstore.api import (
    AppAPI,
    AuthorizationStatus,
    Interval,
    Observer,
    OptionsLike,
    Predicate,
    RequestStatus,
    SavedBatch,
    SavedItems,
    SaveInput,
    Statistics,
    StatisticsOptions,
    TypeLike,
    UUIDLike,
    WorkoutLike,
    object_type,
    parse_options,
)
from healthstore.client.errors import error_from_json
from healthstore.client.live import LiveStream
from healthstore.client.transport import Transport
from healthstore.errors import HealthStoreError, InvalidArgument
from healthstore.model import ActivitySummary, Changes, Sample, SaveResult, SaveStatus, Source
from healthstore.wire import (
    changes_from_json,
    observer_from_json,
    predicate_to_json,
    sample_from_json,
    sample_to_json,
    source_from_json,
    statistics_from_json,
)
from healthstore.wire.summaries import activity_summary_from_json

PAGE = 5000
BATCH = 1000


def _name(t: TypeLike) -> str:
    return object_type(t).short_name


def _names(types: TypeLike | Iterable[TypeLike] | None) -> list[str] | None:
    if types is None:
        return None
    if isinstance(types, str) or not isinstance(types, Iterable):
        return [_name(types)]
    return [_name(t) for t in types]


def _uuid_text(value: UUIDLike) -> str:
    return str(value.uuid) if isinstance(value, Sample) else str(value)


def _predicate(predicate: Predicate | None) -> str | None:
    return None if predicate is None else orjson.dumps(predicate_to_json(predicate)).decode()


def _options(options: OptionsLike, type: TypeLike) -> str:
    flags = parse_options(options, object_type(type))
    return ",".join(f.name or "" for f in StatisticsOptions if f in flags)


def _interval(interval: str | Interval | timedelta) -> str:
    parsed = Interval.parse(interval)
    return f"{parsed.count}{parsed.unit}"


def _zone(tz: str | tzinfo | None) -> str | None:
    if tz is None or isinstance(tz, str):
        return tz
    key = getattr(tz, "key", None)
    return key if isinstance(key, str) else str(tz)


def _error_items(field: str | None) -> str | None:
    """Uploads name objects ``samples[i]``; the library says ``objects[i]``."""
    return None if field is None else field.replace("samples[", "objects[", 1)


class HealthClient(AppAPI):
    """One app's view of a store on a healthstore server (:class:`~healthstore.api.AppAPI`,
    which :class:`~healthstore.store.app.AppStore` declares too)."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout_s: float = 60.0,
        retries: int = 4,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        options: dict[str, Any] = {"timeout_s": timeout_s, "retries": retries}
        if sleep is not None:
            options["sleep"] = sleep
        self._t = Transport(url, token, transport=transport, **options)
        self._bundle_id: str | None = None

    def close(self) -> None:
        self._t.close()

    def __enter__(self) -> HealthClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def bundle_id(self) -> str:
        if self._bundle_id is None:
            self._bundle_id = str(self._t.request("GET", "/v1/app")["bundle_id"])
        return self._bundle_id

    # --- authorization --------------------------------------------------------------------
    def request_authorization(
        self, share: Iterable[TypeLike] = (), read: Iterable[TypeLike] = ()
    ) -> None:
        body = {"share": [_name(t) for t in share], "read": [_name(t) for t in read]}
        self._t.request("POST", "/v1/authorization/requests", body=body)

    def authorization_status(self, type: TypeLike) -> AuthorizationStatus:
        name = _name(type)
        answer = self._t.request("GET", "/v1/authorization/status", params={"type": name})
        return AuthorizationStatus[answer["statuses"][name]]

    def request_status(
        self, share: Iterable[TypeLike] = (), read: Iterable[TypeLike] = ()
    ) -> RequestStatus:
        params = {"share": [_name(t) for t in share], "read": [_name(t) for t in read]}
        answer = self._t.request("GET", "/v1/authorization/status", params=params)
        return RequestStatus[answer["request_status"]]

    def history_authorized(self) -> bool:
        """Whether the person let the app read data older than the history limit."""
        answer = self._t.request("GET", "/v1/authorization/status")
        return bool(answer["history"])

    # --- writing --------------------------------------------------------------------------
    def save(self, objects: SaveInput) -> list[SaveResult]:
        """Save all-or-nothing, as the library does."""
        return self.save_batch(objects).results

    def save_batch(self, objects: SaveInput) -> SavedBatch:
        batch = [objects] if isinstance(objects, Sample) else list(objects)
        try:
            answer = self._upload(batch, atomic=True)
        except HealthStoreError as exc:
            raise type(exc)(exc.message, field=_error_items(exc.field), code=exc.code) from None
        results = [SaveResult(UUID(r["uuid"]), SaveStatus(r["status"])) for r in answer["results"]]
        return SavedBatch(results, int(answer["inserted"]))

    def save_each(self, objects: Iterable[Sample]) -> SavedItems:
        """Each object stored or refused on its own (sent in batches of 1,000)."""
        batch = list(objects)
        results: list[SaveResult | HealthStoreError] = []
        inserted = 0
        for i in range(0, len(batch), BATCH):
            answer = self._upload(batch[i : i + BATCH], atomic=False)
            inserted += int(answer["inserted"])
            for item in answer["results"]:
                if item["status"] == "rejected":
                    error = error_from_json(item["error"], 400)
                    field = error.field or ""
                    relative = field.split(".", 1)[1] if "." in field else None
                    results.append(type(error)(error.message, field=relative, code=error.code))
                else:
                    results.append(SaveResult(UUID(item["uuid"]), SaveStatus(item["status"])))
        return SavedItems(results, inserted)

    def _upload(self, batch: Sequence[Sample], *, atomic: bool) -> dict[str, Any]:
        body = {"samples": [sample_to_json(s) for s in batch]}
        params = {"atomic": "true"} if atomic else None
        answer: dict[str, Any] = self._t.request("POST", "/v1/samples", params=params, body=body)
        return answer

    def delete(
        self,
        objects: Sample | Iterable[UUIDLike] | None = None,
        *,
        type: TypeLike | Iterable[TypeLike] | None = None,
        predicate: Predicate | None = None,
    ) -> int:
        if objects is not None:
            items = [objects] if isinstance(objects, Sample) else list(objects)
            body = {"uuids": [_uuid_text(o) for o in items]}
            params: dict[str, Any] = {"type": _names(type), "predicate": _predicate(predicate)}
            return int(
                self._t.request("DELETE", "/v1/samples", params=params, body=body)["deleted"]
            )
        params = {"type": _names(type), "predicate": _predicate(predicate)}
        return int(self._t.request("DELETE", "/v1/samples", params=params)["deleted"])

    # --- reading --------------------------------------------------------------------------
    def samples(
        self,
        type: TypeLike | Iterable[TypeLike],
        predicate: Predicate | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        sort: str | Sequence[str] | None = None,
        limit: int = 0,
        offset: int = 0,
    ) -> list[Sample]:
        """Every matching sample (or ``limit``), fetched a page at a time."""
        if limit < 0:
            raise InvalidArgument("limit must be >= 0 (0 means no limit)", field="limit")
        params: dict[str, Any] = {
            "type": _names(type),
            "predicate": _predicate(predicate),
            "start": None if start is None else start.isoformat(),
            "end": None if end is None else end.isoformat(),
            "sort": [sort] if isinstance(sort, str) else (list(sort) if sort else None),
        }
        found: list[Sample] = []
        cursor: str | None = None
        while True:
            page = PAGE if not limit else min(PAGE, limit - len(found))
            where = {"cursor": cursor} if cursor else {"offset": offset or None}
            answer = self._t.request(
                "GET", "/v1/samples", params={**params, "limit": page, **where}
            )
            found.extend(sample_from_json(s) for s in answer["samples"])
            cursor = answer["next_cursor"]
            if cursor is None or (limit and len(found) >= limit):
                return found

    def changes(
        self,
        types: TypeLike | Iterable[TypeLike] | None = None,
        anchor: int | None = None,
        limit: int = 0,
        *,
        predicate: Predicate | None = None,
    ) -> Changes:
        """The change feed after ``anchor``; ``limit`` 0 drains it, a page at a time."""
        added: list[Any] = []
        deleted: list[Any] = []
        while True:
            page = PAGE if not limit else min(PAGE, limit - len(added) - len(deleted))
            params = {
                "types": _names(types),
                "anchor": anchor,
                "limit": page,
                "predicate": _predicate(predicate),
            }
            found = changes_from_json(self._t.request("GET", "/v1/changes", params=params))
            added.extend(found.added)
            deleted.extend(found.deleted)
            anchor = found.anchor
            got = len(found.added) + len(found.deleted)
            if got < page or (limit and len(added) + len(deleted) >= limit):
                return Changes(added, deleted, found.anchor)

    def sources(
        self, type: TypeLike | Iterable[TypeLike], predicate: Predicate | None = None
    ) -> list[Source]:
        params = {"type": _names(type), "predicate": _predicate(predicate)}
        answer = self._t.request("GET", "/v1/sources", params=params)
        return [source_from_json(s) for s in answer["sources"]]

    def source_priority(self, type: TypeLike) -> list[Source]:
        answer = self._t.request("GET", "/v1/sources/priority", params={"type": _name(type)})
        return [source_from_json(s) for s in answer["sources"]]

    # --- statistics -----------------------------------------------------------------------
    def statistics(
        self,
        type: TypeLike,
        *,
        start: datetime,
        end: datetime,
        options: OptionsLike,
        predicate: Predicate | None = None,
        unit: str | None = None,
    ) -> Statistics:
        params = {
            "type": _name(type),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "options": _options(options, type),
            "predicate": _predicate(predicate),
            "unit": unit,
        }
        return statistics_from_json(self._t.request("GET", "/v1/statistics", params=params), type)

    def _collection_params(
        self,
        type: TypeLike,
        anchor: datetime,
        interval: str | Interval | timedelta,
        start: datetime,
        end: datetime,
        options: OptionsLike,
        tz: str | tzinfo | None,
        predicate: Predicate | None,
        unit: str | None = None,
    ) -> dict[str, Any]:
        return {
            "type": _name(type),
            "anchor": anchor.isoformat(),
            "interval": _interval(interval),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "options": _options(options, type),
            "tz": _zone(tz),
            "predicate": _predicate(predicate),
            "unit": unit,
        }

    def statistics_collection(
        self,
        type: TypeLike,
        *,
        anchor: datetime,
        interval: str | Interval | timedelta,
        start: datetime,
        end: datetime,
        options: OptionsLike,
        tz: str | tzinfo | None = None,
        predicate: Predicate | None = None,
        unit: str | None = None,
    ) -> list[Statistics]:
        params = self._collection_params(
            type, anchor, interval, start, end, options, tz, predicate, unit
        )
        answer = self._t.request("GET", "/v1/statistics/collection", params=params)
        return [statistics_from_json(s, type) for s in answer["statistics"]]

    def live_statistics_collection(
        self,
        type: TypeLike,
        handler: Callable[[list[Statistics]], None],
        *,
        anchor: datetime,
        interval: str | Interval | timedelta,
        start: datetime,
        end: datetime,
        options: OptionsLike,
        tz: str | tzinfo | None = None,
        predicate: Predicate | None = None,
        unit: str | None = None,
    ) -> LiveStream:
        """A collection kept current over a server-sent event stream: ``handler`` receives
        the changed buckets; ``.results`` holds every bucket; ``.stop()`` ends it."""
        params = self._collection_params(
            type, anchor, interval, start, end, options, tz, predicate, unit
        )
        return LiveStream(self._t, params, type, handler)

    # --- workouts and summaries -----------------------------------------------------------
    def add_to_workout(self, workout: WorkoutLike, samples: Iterable[UUIDLike]) -> None:
        body = {"samples": [_uuid_text(s) for s in samples]}
        self._t.request("POST", f"/v1/workouts/{_uuid_text(workout)}/samples", body=body)

    def workout_samples(
        self,
        workout: WorkoutLike,
        type: TypeLike | Iterable[TypeLike] | None = None,
        *,
        sort: str | Sequence[str] | None = None,
    ) -> list[Sample]:
        params = {
            "type": _names(type),
            "sort": [sort] if isinstance(sort, str) else (list(sort) if sort else None),
        }
        answer = self._t.request(
            "GET", f"/v1/workouts/{_uuid_text(workout)}/samples", params=params
        )
        return [sample_from_json(s) for s in answer["samples"]]

    def activity_summaries(self, start: date, end: date) -> list[ActivitySummary]:
        params = {"start": start.isoformat(), "end": end.isoformat()}
        answer = self._t.request("GET", "/v1/activity-summaries", params=params)
        return [activity_summary_from_json(s) for s in answer["activity_summaries"]]

    def characteristic(self, type: TypeLike) -> int | date:
        answer = self._t.request("GET", f"/v1/characteristics/{_name(type)}")
        value = answer["value"]
        return date.fromisoformat(value) if isinstance(value, str) else int(value)

    # --- background delivery --------------------------------------------------------------
    def add_observer(self, type: TypeLike, url: str, frequency: str = "immediate") -> Observer:
        body = {"type": _name(type), "url": url, "frequency": frequency}
        answer = self._t.request("POST", "/v1/observers", body=body, idempotent=False)
        return observer_from_json(answer)

    def observers(self) -> list[Observer]:
        return [observer_from_json(o) for o in self._t.request("GET", "/v1/observers")["observers"]]

    def remove_observer(self, observer_id: str) -> None:
        self._t.request("DELETE", f"/v1/observers/{observer_id}", expect_json=False)

    def acknowledge_observer(self, observer_id: str) -> Observer:
        return observer_from_json(self._t.request("POST", f"/v1/observers/{observer_id}/ack"))


_IMPLEMENTS: type[AppAPI] = HealthClient  # mypy: a concrete AppAPI, no method of it left out
