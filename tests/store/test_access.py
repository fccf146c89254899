"""Apps: manifests, tokens, requests, the person's answers, writes, deletes, audit, sharing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from healthstore import (
    CategorySample,
    Correlation,
    HealthStore,
    Quantity,
    QuantitySample,
    SaveStatus,
    Source,
)
from healthstore.access import AuthorizationStatus, Consent, RequestStatus, parse_manifest
from healthstore.errors import (
    AuthorizationDenied,
    AuthorizationNotDetermined,
    InvalidArgument,
    NoData,
)
from healthstore.store.app import AppStore
from tests.conftest import T0, at

STEPS_APP: dict[str, Any] = {
    "bundle_id": "com.example.steps",
    "name": "Steps",
    "usage_descriptions": {
        "NSHealthShareUsageDescription": "Shows your steps.",
        "NSHealthUpdateUsageDescription": "Records your walks.",
    },
    "privacy_policy_url": "https://example.com/privacy",
    "entitlements": ["healthkit"],
    "purposes": ["fitness"],
}


def manifest(**changes: Any) -> dict[str, Any]:
    m = json.loads(json.dumps(STEPS_APP))
    m.update(changes)
    return {k: v for k, v in m.items() if v is not None}


def steps(n: float, start: float = 0, source: Source | None = None) -> QuantitySample:
    return QuantitySample(
        "stepCount", Quantity(n, "count"), at(start), at(start + 5), source=source
    )


@pytest.fixture
def app(store: HealthStore) -> AppStore:
    store.register_app(STEPS_APP)
    return store.app("com.example.steps")


# --- manifests and tokens ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"bundle_id": None}, "bundle_id"),
        ({"name": ""}, "name"),
        ({"colour": "blue"}, "colour"),
        ({"entitlements": ["healthkit", "superpowers"]}, "entitlements"),
        ({"entitlements": "healthkit"}, "entitlements"),
        ({"usage_descriptions": {"NSCameraUsageDescription": "x"}}, "usage_descriptions."),
        ({"privacy_policy_url": "ftp://example.com"}, "privacy_policy_url"),
        ({"bundle_id": "not a bundle id"}, "bundle_id"),
    ],
)
def test_bad_manifests_name_the_key(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        parse_manifest(manifest(**changes))
    assert info.value.field is not None and info.value.field.startswith(field)
    assert info.value.code == 3


def test_register_returns_a_token_kept_only_as_a_hash(store: HealthStore, tmp_path: Path) -> None:
    token = store.register_app(STEPS_APP)
    assert token.startswith("hst_") and len(token) > 40
    assert store.app_for_token(token).bundle_id == "com.example.steps"
    assert store.directory is not None
    db = (store.directory / "healthstore.db").read_bytes()
    assert token.encode() not in db
    with pytest.raises(InvalidArgument, match="already registered"):
        store.register_app(STEPS_APP)


@pytest.mark.parametrize("bad", ["", "hst_nope", "nonsense", "hst_" + "A" * 43])
def test_bad_tokens_are_denied_without_echo(store: HealthStore, bad: str) -> None:
    token = store.register_app(STEPS_APP)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for candidate in (bad, tampered):
        with pytest.raises(AuthorizationDenied) as info:
            store.app_for_token(candidate)
        assert info.value.code == 4
        if candidate:
            assert candidate not in str(info.value)


def test_removed_apps_and_renewed_tokens_stop_working(store: HealthStore) -> None:
    token = store.register_app(STEPS_APP)
    fresh = store.renew_app_token("com.example.steps")
    with pytest.raises(AuthorizationDenied):
        store.app_for_token(token)
    assert store.app_for_token(fresh).bundle_id == "com.example.steps"
    store.remove_app("com.example.steps")
    with pytest.raises(AuthorizationDenied):
        store.app_for_token(fresh)
    assert store.apps() == []


# --- requests ---------------------------------------------------------------------------


def test_request_authorization_errors(store: HealthStore) -> None:
    store.register_app(manifest(bundle_id="com.example.bare", usage_descriptions={}))
    bare = store.app("com.example.bare")
    with pytest.raises(InvalidArgument, match="both empty"):
        bare.request_authorization()
    with pytest.raises(InvalidArgument, match="NSHealthUpdateUsageDescription"):
        bare.request_authorization(share=["stepCount"])
    with pytest.raises(InvalidArgument, match="NSHealthShareUsageDescription"):
        bare.request_authorization(read=["stepCount"])
    store.register_app(STEPS_APP)
    app = store.app("com.example.steps")
    with pytest.raises(InvalidArgument, match="may not write appleStandTime"):
        app.request_authorization(share=["appleStandTime"])
    with pytest.raises(InvalidArgument, match="health-records entitlement"):
        app.request_authorization(read=["allergyRecord"])
    with pytest.raises(InvalidArgument, match="member types"):
        app.request_authorization(read=["bloodPressure"])
    assert store.pending_requests() == []


def test_clinical_requests_need_entitlement_usage_and_policy(store: HealthStore) -> None:
    usage = dict(STEPS_APP["usage_descriptions"])
    store.register_app(
        manifest(bundle_id="com.example.c1", entitlements=["healthkit", "health-records"])
    )
    with pytest.raises(InvalidArgument, match="NSHealthClinicalHealthRecordsShareUsageDescription"):
        store.app("com.example.c1").request_authorization(read=["allergyRecord"])
    usage["NSHealthClinicalHealthRecordsShareUsageDescription"] = "Your allergies."
    store.register_app(
        manifest(
            bundle_id="com.example.c2",
            usage_descriptions=usage,
            entitlements=["healthkit", "health-records"],
            privacy_policy_url=None,
        )
    )
    with pytest.raises(InvalidArgument, match="privacy policy"):
        store.app("com.example.c2").request_authorization(read=["allergyRecord"])
    store.register_app(
        manifest(
            bundle_id="com.example.c3",
            usage_descriptions=usage,
            entitlements=["healthkit", "health-records"],
        )
    )
    store.app("com.example.c3").request_authorization(read=["allergyRecord"])
    assert [r.read for r in store.pending_requests()] == [("allergyRecord",)]


def test_statuses_follow_the_person_and_hide_reading(store: HealthStore, app: AppStore) -> None:
    assert app.authorization_status("stepCount") is AuthorizationStatus.notDetermined
    assert app.request_status(share=["stepCount"]) is RequestStatus.shouldRequest
    app.request_authorization(share=["stepCount"], read=["stepCount", "heartRate"])
    assert app.request_status(share=["stepCount"], read=["heartRate"]) is RequestStatus.unnecessary
    assert app.authorization_status("stepCount") is AuthorizationStatus.notDetermined
    (pending,) = store.pending_requests()
    assert (pending.read, pending.share) == (("heartRate", "stepCount"), ("stepCount",))
    store.grant("com.example.steps", share=["stepCount"], read=["heartRate"], history=True)
    store.deny("com.example.steps", read=["stepCount"])
    assert app.authorization_status("stepCount") is AuthorizationStatus.sharingAuthorized
    assert app.authorization_status("heartRate") is AuthorizationStatus.sharingDenied
    assert app.authorization_status("bodyMass") is AuthorizationStatus.notDetermined
    assert store.pending_requests() == []
    store.revoke("com.example.steps", share=["stepCount"])
    assert app.authorization_status("stepCount") is AuthorizationStatus.sharingDenied
    assert AuthorizationStatus.sharingDenied.name == "sharingDenied"


def test_the_person_answers_only_what_was_asked(store: HealthStore, app: AppStore) -> None:
    app.request_authorization(read=["stepCount"])
    with pytest.raises(InvalidArgument, match="did not ask to share stepCount"):
        store.grant("com.example.steps", share=["stepCount"])
    with pytest.raises(InvalidArgument, match="no app"):
        store.grant("com.example.nobody", read=["stepCount"], history=True)


# --- writes -----------------------------------------------------------------------------


def test_writes_need_sharing_granted(store: HealthStore, app: AppStore) -> None:
    with pytest.raises(AuthorizationNotDetermined) as info:
        app.save(steps(10))
    assert info.value.code == 5
    app.request_authorization(share=["stepCount"])
    with pytest.raises(AuthorizationNotDetermined):
        app.save(steps(10))
    store.deny("com.example.steps", share=["stepCount"])
    with pytest.raises(AuthorizationDenied) as denied:
        app.save(steps(10))
    assert denied.value.code == 4
    store.grant("com.example.steps", share=["stepCount"])
    assert app.save(steps(10))[0].status is SaveStatus.created
    with pytest.raises(AuthorizationDenied, match="may not write"):
        app.save(QuantitySample("appleExerciseTime", Quantity(5, "min"), T0, at(5)))
    assert len(store.samples("stepCount")) == 1


def test_an_app_always_writes_as_itself(store: HealthStore, app: AppStore) -> None:
    app.request_authorization(share=["stepCount"])
    store.grant("com.example.steps", share=["stepCount"])
    app.save(steps(10, source=Source("com.apple.health", "Someone else")))
    assert store.sources("stepCount") == [Source("com.example.steps", "Steps")]


def test_correlations_need_their_member_types(store: HealthStore, app: AppStore) -> None:
    app.request_authorization(share=["bloodPressureSystolic"])
    store.grant("com.example.steps", share=["bloodPressureSystolic"])
    bp = Correlation(
        "bloodPressure",
        T0,
        T0,
        [
            QuantitySample("bloodPressureSystolic", Quantity(120, "mmHg"), T0, T0),
            QuantitySample("bloodPressureDiastolic", Quantity(80, "mmHg"), T0, T0),
        ],
    )
    with pytest.raises(AuthorizationNotDetermined, match="bloodPressureDiastolic"):
        app.save(bp)


def test_apps_delete_only_their_own(store: HealthStore, app: AppStore) -> None:
    app.request_authorization(share=["stepCount"], read=["stepCount"])
    store.grant("com.example.steps", share=["stepCount"], read=["stepCount"], history=True)
    mine, theirs = steps(1), steps(2, 10)
    app.save(mine)
    store.save(theirs)
    with pytest.raises(AuthorizationDenied, match="only objects it saved"):
        app.delete([theirs])
    assert app.delete(type="stepCount") == 1
    assert [s.uuid for s in store.samples("stepCount")] == [theirs.uuid]


# --- reading ----------------------------------------------------------------------------


def test_reads_without_permission_show_only_own_samples(store: HealthStore, app: AppStore) -> None:
    app.request_authorization(share=["stepCount"], read=["stepCount"])
    store.grant("com.example.steps", share=["stepCount"])
    mine = steps(1)
    app.save(mine)
    store.save(steps(2, 10))
    assert [s.uuid for s in app.samples("stepCount")] == [mine.uuid]
    store.grant("com.example.steps", read=["stepCount"], history=True)
    assert len(app.samples("stepCount")) == 2


def test_characteristics_need_their_own_grant(store: HealthStore, app: AppStore) -> None:
    store.set_characteristic("dateOfBirth", date(1990, 1, 2))
    store.set_characteristic("bloodType", "APositive")
    with pytest.raises(NoData):
        app.characteristic("dateOfBirth")
    assert app.characteristic("bloodType") == 0
    app.request_authorization(read=["dateOfBirth", "bloodType"])
    store.grant("com.example.steps", read=["dateOfBirth"], history=True)
    assert app.characteristic("dateOfBirth") == date(1990, 1, 2)
    assert app.characteristic("bloodType") == 0
    assert not hasattr(app, "set_characteristic")


def test_app_anchors_are_opaque_and_resume(store: HealthStore, app: AppStore) -> None:
    app.request_authorization(share=["stepCount"])
    store.grant("com.example.steps", share=["stepCount"])
    app.save(steps(1))
    first = app.changes()
    assert first.anchor not in (0, 1, 2)
    assert app.changes(anchor=first.anchor).added == []
    later = steps(2, 20)
    app.save(later)
    assert [s.uuid for s in app.changes(anchor=first.anchor).added] == [later.uuid]
    with pytest.raises(InvalidArgument):
        app.changes(anchor=-5)


# --- audit, reports, sharing ------------------------------------------------------------


def test_audit_log_records_operations_never_values(store: HealthStore, app: AppStore) -> None:
    app.request_authorization(share=["stepCount"], read=["heartRate"])
    store.grant("com.example.steps", share=["stepCount"])
    app.save([steps(4321), steps(1234, 10)])
    app.samples("heartRate")
    entries = store.audit(app="com.example.steps")
    ops = [(e.operation, e.types, e.count) for e in entries]
    assert ("save", ("stepCount",), 2) in ops
    assert ("read.samples", ("heartRate",), 0) in ops
    everything = json.dumps([e.to_json() for e in store.audit()])
    assert "4321" not in everything and "1234" not in everything
    assert any(e.operation == "apps.grant" and e.actor == "person" for e in store.audit())
    with pytest.raises(Exception, match="append-only"):
        store._backend.execute("DELETE FROM audit_log")


def test_over_request_report(store: HealthStore, app: AppStore) -> None:
    app.request_authorization(share=["stepCount"], read=["heartRate", "bodyMass", "stepCount"])
    store.grant("com.example.steps", share=["stepCount"], read=["stepCount"], history=True)
    app.save(steps(3))
    app.samples("stepCount")
    report = store.app_report("com.example.steps", days=30)
    assert report.used == ("stepCount",)
    assert report.unused == ("bodyMass", "heartRate")


def test_sharing_with_a_third_party(store: HealthStore) -> None:
    store.save([steps(5), CategorySample("sleepAnalysis", "AsleepREM", T0, at(60))])
    consent = Consent("Dr. Lee", "care", ("stepCount",), "I agree to share my steps.")
    shared = store.export_for("Dr. Lee", ["stepCount"], "care", consent)
    assert [len(v) for v in shared.values()] == [1]
    with pytest.raises(AuthorizationDenied, match="never allowed"):
        store.export_for("AdCo", ["stepCount"], "advertising", consent)
    with pytest.raises(AuthorizationDenied, match="Marketing".lower()):
        store.export_for("AdCo", ["stepCount"], "Marketing", None)
    with pytest.raises(AuthorizationDenied, match="explicit consent"):
        store.export_for("Dr. Lee", ["stepCount"], "care")
    with pytest.raises(AuthorizationDenied, match="does not cover sleepAnalysis"):
        store.export_for("Dr. Lee", ["stepCount", "sleepAnalysis"], "care", consent)
    with pytest.raises(AuthorizationDenied, match="another recipient"):
        store.export_for("Dr. Who", ["stepCount"], "care", consent)
    assert [e.operation for e in store.audit() if e.operation == "export_for"] == ["export_for"]


def test_remove_app_keeps_or_deletes_its_data(store: HealthStore, app: AppStore) -> None:
    app.request_authorization(share=["stepCount"])
    store.grant("com.example.steps", share=["stepCount"])
    app.save(steps(1))
    store.remove_app("com.example.steps")
    assert len(store.samples("stepCount")) == 1
    store.register_app(STEPS_APP)
    again = store.app("com.example.steps")
    again.request_authorization(share=["stepCount"])
    store.grant("com.example.steps", share=["stepCount"])
    again.save(steps(2, 10))
    assert store.remove_app("com.example.steps", delete_data=True) == 2
    assert store.samples("stepCount") == []


def test_authorizations_lists_requests_and_decisions(store: HealthStore, app: AppStore) -> None:
    app.request_authorization(share=["stepCount"], read=["stepCount", "heartRate"])
    store.grant("com.example.steps", read=["heartRate"], history=True)
    assert store.authorizations("com.example.steps") == {
        "heartRate": {"read": "authorized"},
        "stepCount": {"read": "requested", "share": "requested"},
    }
