"""One suite, two doors: every test runs against the in-process ``AppStore`` and against
``HealthClient`` talking to a real server on loopback. Same calls, same answers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from healthstore import (
    ActivitySummary,
    CategorySample,
    Correlation,
    HealthStore,
    Quantity,
    QuantitySample,
    SaveStatus,
    Workout,
)
from healthstore.access import AuthorizationStatus, RequestStatus
from healthstore.client import HealthClient
from healthstore.errors import (
    AuthorizationDenied,
    AuthorizationNotDetermined,
    HealthStoreError,
    InvalidArgument,
    NoData,
)
from healthstore.query import predicates as p
from healthstore.query.statistics import Statistics
from healthstore.server import ServerSettings
from tests.conftest import PHONE, T0, WATCH, at
from tests.server_support import serve

BUNDLE = "com.example.coach"
MANIFEST: dict[str, Any] = {
    "bundle_id": BUNDLE,
    "name": "Coach",
    "usage_descriptions": {
        "NSHealthShareUsageDescription": "Shows your activity.",
        "NSHealthUpdateUsageDescription": "Records your workouts.",
    },
    "privacy_policy_url": "https://example.com/privacy",
    "entitlements": ["healthkit", "background-delivery"],
    "purposes": ["fitness"],
}
TYPES = [
    "stepCount",
    "heartRate",
    "workout",
    "sleepAnalysis",
    "bloodPressureSystolic",
    "bloodPressureDiastolic",
    "dateOfBirth",
    "activitySummary",
]


@pytest.fixture(params=["library", "http"])
def api(request: pytest.FixtureRequest, store: HealthStore) -> Iterator[Any]:
    """The app's view: an AppStore, or a HealthClient to a server over the same store."""
    token = store.register_app(MANIFEST)
    if request.param == "library":
        yield store.app(BUNDLE)
        return
    # a short keep-alive: a live stream the client closed ends at once, not 15 s later
    settings = ServerSettings(live_keepalive_s=0.05)
    with serve(store, settings) as url, HealthClient(url, token) as client:
        yield client


def allow(store: HealthStore, api: Any, read: bool = True) -> None:
    api.request_authorization(share=TYPES[:6], read=TYPES)
    store.grant(BUNDLE, share=TYPES[:6])
    if read:
        store.grant(BUNDLE, read=TYPES, history=True)


def steps(n: float, start: float, minutes: float = 5) -> QuantitySample:
    return QuantitySample("stepCount", Quantity(n, "count"), at(start), at(start + minutes))


def test_identity_and_authorization_flow(store: HealthStore, api: Any) -> None:
    assert api.bundle_id == BUNDLE
    assert (
        api.request_status(share=["stepCount"], read=["heartRate"]) is RequestStatus.shouldRequest
    )
    assert api.authorization_status("stepCount") is AuthorizationStatus.notDetermined
    api.request_authorization(share=["stepCount"], read=["heartRate"])
    assert api.request_status(share=["stepCount"], read=["heartRate"]) is RequestStatus.unnecessary
    store.deny(BUNDLE, share=["stepCount"])
    assert api.authorization_status("stepCount") is AuthorizationStatus.sharingDenied
    with pytest.raises(AuthorizationDenied) as denied:
        api.save(steps(10, 0))
    assert denied.value.field == "objects[0]"


def test_writes_need_a_decision(store: HealthStore, api: Any) -> None:
    with pytest.raises(AuthorizationNotDetermined):
        api.save(steps(10, 0))


def test_save_statuses_and_sync_identifiers(store: HealthStore, api: Any) -> None:
    allow(store, api)
    first = steps(100, 0)
    assert [r.status for r in api.save([first, steps(50, 10)])] == [SaveStatus.created] * 2
    assert api.save(first)[0].status is SaveStatus.duplicate
    v1 = QuantitySample(
        "stepCount",
        Quantity(7, "count"),
        at(30),
        at(35),
        metadata={"HKMetadataKeySyncIdentifier": "walk-1", "HKMetadataKeySyncVersion": 1},
    )
    v2 = QuantitySample(
        "stepCount",
        Quantity(8, "count"),
        at(30),
        at(35),
        metadata={"HKMetadataKeySyncIdentifier": "walk-1", "HKMetadataKeySyncVersion": 2},
    )
    assert api.save(v1)[0].status is SaveStatus.created
    assert api.save(v2)[0].status is SaveStatus.replaced
    assert api.save(v1)[0].status is SaveStatus.duplicate  # its uuid was seen
    older = QuantitySample(
        "stepCount",
        Quantity(6, "count"),
        at(30),
        at(35),
        metadata={"HKMetadataKeySyncIdentifier": "walk-1", "HKMetadataKeySyncVersion": 0},
    )
    assert api.save(older)[0].status is SaveStatus.ignored_older_version
    values = sorted(s.quantity.value for s in api.samples("stepCount"))
    assert values == [8, 50, 100]


def test_a_conflicting_uuid_refuses_the_whole_atomic_save(store: HealthStore, api: Any) -> None:
    allow(store, api)
    first = steps(100, 0)
    api.save(first)
    clash = QuantitySample("stepCount", Quantity(1, "count"), at(0), at(5), uuid=first.uuid)
    with pytest.raises(InvalidArgument) as refused:
        api.save([steps(3, 40), clash])
    assert refused.value.field == "objects[1].uuid"
    assert len(api.samples("stepCount")) == 1


def test_save_each_keeps_the_good_and_names_the_bad(store: HealthStore, api: Any) -> None:
    allow(store, api)
    kept = steps(100, 0)
    api.save(kept)
    clash = QuantitySample("stepCount", Quantity(1, "count"), at(0), at(5), uuid=kept.uuid)
    flights = QuantitySample("flightsClimbed", Quantity(2, "count"), at(0), at(1))
    batch = [steps(1, 10), clash, flights, steps(2, 20), kept]
    saved = api.save_each(batch)
    statuses = [r.status if not isinstance(r, HealthStoreError) else r.name for r in saved.results]
    assert statuses == [
        SaveStatus.created,
        "invalidArgument",
        "authorizationNotDetermined",
        SaveStatus.created,
        SaveStatus.duplicate,
    ]
    assert saved.results[1].field == "uuid"
    assert saved.inserted == 2
    assert len(api.samples("stepCount")) == 3


def test_queries_with_predicates_sort_limit_and_offset(store: HealthStore, api: Any) -> None:
    allow(store, api)
    api.save([steps(n, n) for n in range(1, 31)])
    big = api.samples("stepCount", p.quantity(">", Quantity(20, "count")), sort="-start")
    assert [s.quantity.value for s in big] == list(range(30, 20, -1))
    page = api.samples("stepCount", sort="start", limit=5, offset=10)
    assert [s.quantity.value for s in page] == [11, 12, 13, 14, 15]
    window = api.samples("stepCount", start=at(3), end=at(6))
    assert [s.quantity.value for s in window] == [1, 2, 3, 4, 5]  # overlapping [3, 6)


def test_reads_without_permission_show_only_own(store: HealthStore, api: Any) -> None:
    allow(store, api, read=False)
    mine = steps(1, 0)
    api.save(mine)
    store.save(QuantitySample("stepCount", Quantity(5, "count"), at(10), at(12), source=PHONE))
    assert [s.uuid for s in api.samples("stepCount")] == [mine.uuid]
    assert [s.bundle_id for s in api.sources("stepCount")] == [BUNDLE]
    total = api.statistics("stepCount", start=at(0), end=at(60), options="sum")
    assert total.sum is not None and total.sum.value == 1
    store.grant(BUNDLE, read=["stepCount"], history=True)
    assert len(api.samples("stepCount")) == 2


def test_change_feed_pages_with_deletions(store: HealthStore, api: Any) -> None:
    allow(store, api)
    saved = [steps(n, n) for n in range(1, 8)]
    api.save(saved)
    everything = api.changes("stepCount")
    assert {s.uuid for s in everything.added} == {s.uuid for s in saved}
    assert api.changes("stepCount", anchor=everything.anchor).added == []
    assert api.delete(saved[:2]) == 2
    later = api.changes(["stepCount"], anchor=everything.anchor)
    assert {d.uuid for d in later.deleted} == {s.uuid for s in saved[:2]}
    paged = api.changes("stepCount", limit=3)
    assert len(paged.added) + len(paged.deleted) == 3
    rest = api.changes("stepCount", anchor=paged.anchor)
    assert len(paged.added) + len(rest.added) == 5


def test_delete_by_type_and_predicate(store: HealthStore, api: Any) -> None:
    allow(store, api)
    api.save([steps(n, n) for n in range(1, 11)])
    gone = api.delete(type="stepCount", predicate=p.quantity("<=", Quantity(4, "count")))
    assert gone == 4
    assert len(api.samples("stepCount")) == 6


def test_merged_statistics_and_collections(store: HealthStore, api: Any) -> None:
    allow(store, api)
    store.save(QuantitySample("stepCount", Quantity(1000, "count"), at(120), at(130), source=PHONE))
    store.save(QuantitySample("stepCount", Quantity(800, "count"), at(125), at(135), source=WATCH))
    store.set_source_priority("stepCount", [WATCH.bundle_id, PHONE.bundle_id])
    total = api.statistics(
        "stepCount", start=at(0), end=at(600), options=["cumulativeSum", "separateBySource"]
    )
    assert total.sum is not None and total.sum.value == pytest.approx(1300)
    assert {s.bundle_id for s in total.by_source} == {PHONE.bundle_id, WATCH.bundle_id}
    assert [s.bundle_id for s in api.source_priority("stepCount")][:2] == [
        WATCH.bundle_id,
        PHONE.bundle_id,
    ]
    hours = api.statistics_collection(
        "stepCount",
        anchor=T0,
        interval="1h",
        start=T0,
        end=at(240),
        options="sum",
        tz="Europe/Paris",
    )
    assert [b.sum.value if b.sum else None for b in hours] == [
        None,
        None,
        pytest.approx(1300),
        None,
    ]
    assert hours[2].start == at(120)


def test_live_collection_delivers_changed_buckets(store: HealthStore, api: Any) -> None:
    allow(store, api)
    arrived = threading.Event()
    received: list[list[Statistics]] = []

    def handler(buckets: list[Statistics]) -> None:
        received.append(buckets)
        arrived.set()

    live = api.live_statistics_collection(
        "stepCount", handler, anchor=T0, interval="1h", start=T0, end=at(180), options="sum"
    )
    try:
        assert len(live.results) == 3 and not any(b.has_data for b in live.results)
        api.save(steps(42, 70))
        assert arrived.wait(30)
        (changed,) = received[0]
        assert changed.start == at(60) and changed.sum is not None and changed.sum.value == 42
        assert live.results[1].sum is not None and live.results[1].sum.value == 42
    finally:
        live.stop()


def test_workouts_correlations_and_categories_travel_whole(store: HealthStore, api: Any) -> None:
    allow(store, api)
    workout = Workout(
        "running",
        at(0),
        at(30),
        total_distance=Quantity(5, "km"),
        total_energy_burned=Quantity(300, "kcal"),
    )
    heart = QuantitySample("heartRate", Quantity(150, "count/min"), at(10), at(10))
    sleep = CategorySample("sleepAnalysis", "asleepDeep", at(-300), at(-200))
    pressure = Correlation(
        "bloodPressure",
        at(40),
        at(40),
        [
            QuantitySample("bloodPressureSystolic", Quantity(120, "mmHg"), at(40), at(40)),
            QuantitySample("bloodPressureDiastolic", Quantity(80, "mmHg"), at(40), at(40)),
        ],
    )
    api.save([workout, heart, sleep, pressure])
    api.add_to_workout(workout, [heart])
    (found,) = api.samples("workout")
    assert found.total_distance == Quantity(5, "km") and found.activity_name == "running"
    assert [s.uuid for s in api.workout_samples(workout)] == [heart.uuid]
    (night,) = api.samples("sleepAnalysis")
    assert (night.value, night.label) == (sleep.value, sleep.label)
    (bp,) = api.samples("bloodPressure")
    assert sorted(m.quantity.value for m in bp.objects) == [80, 120]


def test_characteristics_and_activity_summaries(store: HealthStore, api: Any) -> None:
    store.set_characteristic("dateOfBirth", date(1990, 1, 2))
    store.save_activity_summaries(
        ActivitySummary(date(2024, 3, 30), active_energy_burned=Quantity(400, "kcal"))
    )
    with pytest.raises(NoData):
        api.characteristic("dateOfBirth")
    assert api.activity_summaries(date(2024, 3, 1), date(2024, 4, 1)) == []
    allow(store, api)
    assert api.characteristic("dateOfBirth") == date(1990, 1, 2)
    (summary,) = api.activity_summaries(date(2024, 3, 1), date(2024, 4, 1))
    assert summary.active_energy_burned == Quantity(400, "kcal")


def test_observers_are_managed_by_their_app(store: HealthStore, api: Any) -> None:
    observer = api.add_observer("stepCount", "http://127.0.0.1:9/hook", "hourly")
    assert observer.secret is not None and observer.secret.startswith("whsec_")
    assert [(o.id, o.frequency, o.secret) for o in api.observers()] == [
        (observer.id, "hourly", None)
    ]
    assert api.acknowledge_observer(observer.id).unacknowledged == 0
    api.remove_observer(observer.id)
    assert api.observers() == []
    with pytest.raises(NoData):
        api.remove_observer(observer.id)
    with pytest.raises(InvalidArgument) as bad:
        api.add_observer("stepCount", "ftp://example.com/hook")
    assert bad.value.field == "url"


def test_bad_arguments_name_their_field(store: HealthStore, api: Any) -> None:
    with pytest.raises(InvalidArgument) as unknown:
        api.samples("stepCounts")
    assert "stepCount" in unknown.value.message
    with pytest.raises(InvalidArgument) as option:
        api.statistics("heartRate", start=at(0), end=at(60), options="sum")
    assert option.value.field == "options"
    with pytest.raises(InvalidArgument):
        api.changes("stepCount", anchor=-5)
    with pytest.raises(InvalidArgument):
        api.samples("stepCount", limit=-1)


def test_the_change_feed_misses_nothing_while_others_write(store: HealthStore, api: Any) -> None:
    """A follower paging the feed while another thread saves and deletes ends up with the
    store's exact contents: every change is seen, none is skipped by an anchor."""
    allow(store, api)
    done = threading.Event()

    def writer() -> None:
        try:
            for round_ in range(40):
                batch = [steps(1, round_ * 10 + k) for k in range(5)]
                store.save(batch)
                store.delete(batch[:2])
        finally:
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    live: set[Any] = set()
    anchor = None
    while True:
        finished = done.is_set()
        page = api.changes("stepCount", anchor=anchor, limit=7)
        live |= {s.uuid for s in page.added}
        live -= {d.uuid for d in page.deleted}
        anchor = page.anchor
        if finished and not page.added and not page.deleted:
            break
    thread.join()
    assert live == {s.uuid for s in store.samples("stepCount")}
    assert len(live) == 120
