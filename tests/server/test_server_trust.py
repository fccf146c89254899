"""What a hostile client can do to a running server: guess the passphrase (one key
derivation at a time, a few failures per client, then 429), forge log lines through the
path, or trip a read over an unset characteristic."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from healthstore import HealthStore
from healthstore.server import ServerSettings
from healthstore.server.attempts import FailureLimiter
from healthstore.server.errors import Throttled
from healthstore.vault.kdf_gate import GATE, GateFull, KdfGate
from tests.server.test_app_api import BUNDLE, MANIFEST
from tests.server_support import serve

PASSPHRASE = "correct horse battery staple"
SHAPE = {"code", "name", "message", "field"}


@pytest.fixture(scope="module")
def encrypted_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("trust") / "store"
    with HealthStore.create(directory, passphrase=PASSPHRASE) as store:
        store.register_app(MANIFEST)
    return directory


@pytest.fixture
def locked(encrypted_dir: Path) -> Iterator[HealthStore]:
    with HealthStore.open(encrypted_dir, passphrase=PASSPHRASE) as store:
        store.lock()
        yield store
        if store.locked:
            store.unlock(PASSPHRASE)


def wrong(i: int) -> dict[str, str]:
    return {"passphrase": f"guess number {i}"}


# --- passphrase guessing ------------------------------------------------------------------
def test_parallel_guesses_derive_one_key_at_a_time(locked: HealthStore) -> None:
    settings = ServerSettings(passphrase_failures=100, kdf_waiting=100, deliveries=False)
    GATE.most_running = 0
    before = GATE.derivations
    with serve(locked, settings) as url, httpx.Client(base_url=url, timeout=120) as http:

        def guess(i: int) -> int:
            return http.post("/v1/store/unlock", json=wrong(i)).status_code

        with ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(guess, range(12)))
    assert all(status in (403, 423) for status in statuses), statuses
    assert GATE.derivations - before == 12  # every guess derived a key...
    assert GATE.most_running == 1  # ...never two at once
    assert locked.locked


def test_the_sixth_failure_in_a_minute_is_429_with_retry_after(
    locked: HealthStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="healthstore.http")
    with (
        serve(locked, ServerSettings(deliveries=False)) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        for i in range(5):
            refused = http.post("/v1/store/unlock", json=wrong(i))
            assert refused.status_code in (403, 423) and refused.json()["field"] == "passphrase"
        before = GATE.derivations
        sixth = http.post("/v1/store/unlock", json=wrong(5))
        assert sixth.status_code == 429 and set(sixth.json()) == SHAPE
        assert sixth.json()["field"] == "passphrase"
        assert 1 <= int(sixth.headers["retry-after"]) <= 60
        right = http.post("/v1/store/unlock", json={"passphrase": PASSPHRASE})
        assert right.status_code == 429  # not even the right one, and no derivation
        assert GATE.derivations == before
        assert locked.locked
    failures = [r.getMessage() for r in caplog.records if "failed attempt" in r.getMessage()]
    assert len(failures) == 5 and all("127.0.0.1" in line for line in failures)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "guess number" not in logged and PASSPHRASE not in logged


def test_a_burst_of_parallel_guesses_gets_no_more_than_the_limit(locked: HealthStore) -> None:
    before = GATE.derivations
    settings = ServerSettings(kdf_waiting=100, deliveries=False)
    with serve(locked, settings) as url, httpx.Client(base_url=url, timeout=120) as http:

        def guess(i: int) -> int:
            return http.post("/v1/store/unlock", json=wrong(i)).status_code

        with ThreadPoolExecutor(10) as pool:
            statuses = sorted(pool.map(guess, range(10)))
    assert statuses.count(429) == 5, statuses  # attempts in progress count as failures
    assert GATE.derivations - before == 5


def test_unlocking_a_store_that_is_not_locked_is_409(encrypted_dir: Path) -> None:
    with (
        HealthStore.open(encrypted_dir, passphrase=PASSPHRASE) as store,
        serve(store, ServerSettings(deliveries=False)) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        before = GATE.derivations
        answer = http.post("/v1/store/unlock", json={"passphrase": PASSPHRASE})
        assert answer.status_code == 409 and set(answer.json()) == SHAPE
        assert answer.json()["field"] == "store" and "not locked" in answer.json()["message"]
        assert GATE.derivations == before  # answered without deriving a key
        locked = http.post("/v1/store/lock", json={"passphrase": PASSPHRASE})
        assert locked.json() == {"locked": True}
        assert http.post("/v1/store/unlock", json={"passphrase": PASSPHRASE}).json() == {
            "locked": False,
            "merged": 0,
        }
        assert http.post("/v1/store/unlock", json={"passphrase": PASSPHRASE}).status_code == 409


def test_the_failure_limiter_slides_and_resets_on_success() -> None:
    now = [1000.0]
    limiter = FailureLimiter("passphrase", max_failures=2, window_s=60, clock=lambda: now[0])
    for _ in range(2):
        with limiter.attempt("a") as attempt:
            attempt.failed()
        now[0] += 10
    with pytest.raises(Throttled) as refused, limiter.attempt("a"):
        pass
    assert refused.value.retry_after_s == 40  # the first failure leaves the window then
    with limiter.attempt("b") as other:  # other clients are not affected
        other.succeeded()
    now[0] += 41
    with limiter.attempt("a") as attempt:
        attempt.succeeded()  # one failure had left the window; success clears the other
    for _ in range(2):
        with limiter.attempt("a") as attempt:
            attempt.failed()
    with pytest.raises(Throttled), limiter.attempt("a"):
        pass


def test_the_gate_admits_a_bounded_queue() -> None:
    gate = KdfGate()
    with gate.admitted(2), gate.admitted(2), pytest.raises(GateFull), gate.admitted(2):
        pass
    with gate.admitted(2), gate.slot():
        assert gate.running == 1
    assert gate.derivations == 1 and gate.admitted_now == 0


# --- log injection ------------------------------------------------------------------------
FORGED = '/v1/samples%0A127.0.0.1 - "GET /forged" 200%0D%0Ainjected%09line%5C'


@pytest.mark.parametrize("with_token", [True, False])
def test_a_path_cannot_forge_log_lines(
    store: HealthStore, with_token: bool, caplog: pytest.LogCaptureFixture
) -> None:
    from healthstore.server.access_log import log

    token = store.register_app(MANIFEST)
    headers = {"Authorization": f"Bearer {token}"} if with_token else {}
    caplog.set_level(logging.INFO, logger=log.name)
    with (
        serve(store, ServerSettings(deliveries=False)) as url,
        httpx.Client(base_url=url, headers=headers, timeout=30) as http,
    ):
        http.get(FORGED, params={"type": "stepCount"})
        http.get("/v1/%F0%9F%92%A9/caf%C3%A9 x")
    lines = [
        line
        for record in caplog.records
        if record.name == log.name
        for line in logging.Formatter("%(message)s").format(record).splitlines()
    ]
    assert len(lines) == 2, lines  # one line per request, nothing forged
    first, second = lines
    assert first.startswith("GET /v1/samples%0A127.0.0.1")
    assert "%0D%0Ainjected%09line%5C" in first and "\n" not in first
    assert "forged" not in "".join(line for line in lines if line is not first)
    assert second.startswith("GET /v1/%F0%9F%92%A9/caf%C3%A9%20x ")
    assert "type=stepCount" not in first  # the query string stays out


def test_escaping_leaves_one_printable_line() -> None:
    from healthstore.server.logtext import escaped

    assert escaped(b"/a\nb\r\x1b[31m\\ \xff") == "/a\\x0ab\\x0d\\x1b[31m\\x5c\\x20\\xff"


# --- characteristics ------------------------------------------------------------------------
def test_unset_characteristics_read_on_a_fresh_store(store: HealthStore) -> None:
    token = store.register_app(MANIFEST)
    app = store.app(BUNDLE)
    kinds = ["activityMoveMode", "biologicalSex", "dateOfBirth"]
    app.request_authorization(read=kinds)
    store.grant(BUNDLE, read=kinds, history=True)
    with (
        serve(store, ServerSettings(deliveries=False)) as url,
        httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as http,
    ):
        fresh = http.get("/v1/characteristics")
        assert fresh.status_code == 200, fresh.text
        values = {c["type"]: c for c in fresh.json()["characteristics"]}
        assert "activityMoveMode" not in values  # unset: absent (its enum has no notSet)
        assert values["biologicalSex"]["label"] == "NotSet"
        assert values["dateOfBirth"]["value"] is None
        one = http.get("/v1/characteristics/activityMoveMode")
        assert one.status_code == 404 and one.json()["name"] == "noData"
        store.set_characteristic("activityMoveMode", "appleMoveTime")
        after = http.get("/v1/characteristics", params={"type": "activityMoveMode"}).json()
        assert after["characteristics"] == [
            {"type": "activityMoveMode", "value": 2, "label": "AppleMoveTime"}
        ]
