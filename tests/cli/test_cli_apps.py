"""``healthstore apps …`` and ``healthstore audit``, run with CliRunner against real stores,
with the app itself working in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from healthstore import HealthStore, Quantity, QuantitySample
from healthstore.cli import app
from healthstore.errors import AuthorizationDenied, AuthorizationNotDetermined
from tests.cli.support import as_json, failed
from tests.conftest import at

BUNDLE = "com.example.steps"
MANIFEST: dict[str, Any] = {
    "bundle_id": BUNDLE,
    "name": "Steps",
    "usage_descriptions": {
        "NSHealthShareUsageDescription": "Shows your steps.",
        "NSHealthUpdateUsageDescription": "Records your walks.",
    },
    "privacy_policy_url": "https://example.com/privacy",
    "entitlements": ["healthkit"],
    "purposes": ["fitness"],
}


@pytest.fixture
def manifest_file(tmp_path: Path) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(MANIFEST), "utf-8")
    return path


def run(runner: CliRunner, store: Path, *args: str, input: str | None = None) -> Result:
    wide = {"COLUMNS": "200"}  # tables unfolded, so text checks see whole cells
    return runner.invoke(app, [*args, "--store", str(store)], input=input, env=wide)


def ok(runner: CliRunner, store: Path, *args: str, input: str | None = None) -> Result:
    result = run(runner, store, *args, input=input)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def register(runner: CliRunner, store: Path, manifest: Path) -> str:
    """Register the app from its manifest file; its token."""
    token = as_json(ok(runner, store, "apps", "register", str(manifest), "--json"))["token"]
    assert isinstance(token, str)
    return token


def request(store: Path, *, share: list[str], read: list[str]) -> None:
    """The app, in-process, asks for permissions."""
    with HealthStore.open(store) as hs:
        hs.app(BUNDLE).request_authorization(share=share, read=read)


def steps(n: float, minutes: float = 0) -> QuantitySample:
    return QuantitySample("stepCount", Quantity(n, "count"), at(minutes), at(minutes + 5))


def app_saves(store: Path, *samples: QuantitySample) -> None:
    with HealthStore.open(store) as hs:
        hs.app(BUNDLE).save(list(samples))


def authorizations(runner: CliRunner, store: Path) -> dict[str, dict[str, str | None]]:
    shown = as_json(ok(runner, store, "apps", "show", BUNDLE, "--json"))
    return {r["type"]: {"read": r["read"], "share": r["share"]} for r in shown["authorizations"]}


# --- register, list, show, token ----------------------------------------------------------


def test_register_prints_the_token_once_and_nothing_else_shows_it(
    runner: CliRunner, store_dir: Path, manifest_file: Path
) -> None:
    result = ok(runner, store_dir, "apps", "register", str(manifest_file))
    [line] = [ln for ln in result.stdout.splitlines() if ln.startswith("token: ")]
    token = line.removeprefix("token: ")
    assert token.startswith("hst_")
    assert result.stdout.count(token) == 1
    assert BUNDLE in result.stdout
    assert "shown only this time" in result.stderr
    assert "hash" in result.stderr
    with HealthStore.open(store_dir) as hs:
        assert hs.app_for_token(token).bundle_id == BUNDLE

    request(store_dir, share=["stepCount"], read=["stepCount"])
    for args in (
        ("apps", "list"),
        ("apps", "show", BUNDLE),
        ("apps", "requests"),
        ("apps", "report", BUNDLE),
        ("audit",),
    ):
        for mode in ((), ("--json",)):
            shown = ok(runner, store_dir, *args, *mode)
            assert token not in shown.output, args
    listed = as_json(ok(runner, store_dir, "apps", "list", "--json"))
    assert token not in json.dumps(listed)
    [entry] = listed["apps"]
    assert entry["bundle_id"] == BUNDLE
    assert entry["name"] == "Steps"
    assert entry["entitlements"] == ["healthkit"]
    assert entry["registered"]


def test_register_json(runner: CliRunner, store_dir: Path, manifest_file: Path) -> None:
    out = as_json(ok(runner, store_dir, "apps", "register", str(manifest_file), "--json"))
    assert set(out) == {"bundle_id", "name", "token"}
    assert (out["bundle_id"], out["name"]) == (BUNDLE, "Steps")
    again = run(runner, store_dir, "apps", "register", str(manifest_file), "--json")
    assert again.exit_code == 1
    assert as_json(again)["error"]["field"] == "bundle_id"
    assert "hst_" not in again.output


def test_register_refuses_an_unknown_manifest_key(
    runner: CliRunner, store_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**MANIFEST, "colour": "blue"}), "utf-8")
    assert "'colour'" in failed(run(runner, store_dir, "apps", "register", str(path)))
    error = as_json(run(runner, store_dir, "apps", "register", str(path), "--json"))["error"]
    assert (error["name"], error["field"]) == ("invalidArgument", "colour")
    with HealthStore.open(store_dir) as hs:
        assert hs.apps() == []


def test_register_a_missing_or_broken_file(
    runner: CliRunner, store_dir: Path, tmp_path: Path
) -> None:
    assert "cannot read manifest" in failed(
        run(runner, store_dir, "apps", "register", str(tmp_path / "nope.json"))
    )
    broken = tmp_path / "broken.json"
    broken.write_text("{", "utf-8")
    assert "not valid JSON" in failed(run(runner, store_dir, "apps", "register", str(broken)))


def test_register_from_stdin(runner: CliRunner, store_dir: Path) -> None:
    out = as_json(
        ok(runner, store_dir, "apps", "register", "-", "--json", input=json.dumps(MANIFEST))
    )
    assert out["bundle_id"] == BUNDLE


def test_show_gives_the_manifest_and_decisions(
    runner: CliRunner, store_dir: Path, manifest_file: Path
) -> None:
    register(runner, store_dir, manifest_file)
    request(store_dir, share=["stepCount"], read=["stepCount", "heartRate"])
    shown = as_json(ok(runner, store_dir, "apps", "show", BUNDLE, "--json"))
    assert {k: shown[k] for k in MANIFEST} == MANIFEST
    assert shown["authorizations"] == [
        {"type": "heartRate", "read": "requested", "share": None},
        {"type": "stepCount", "read": "requested", "share": "requested"},
    ]
    text = ok(runner, store_dir, "apps", "show", BUNDLE).stdout
    assert "Records your walks." in text
    assert "https://example.com/privacy" in text
    assert "heartRate" in text


def test_unknown_app(runner: CliRunner, store_dir: Path) -> None:
    for args in (
        ("apps", "show", "com.example.none"),
        ("apps", "token", "com.example.none"),
        ("apps", "remove", "com.example.none", "--yes"),
        ("apps", "report", "com.example.none"),
        ("apps", "grant", "com.example.none", "--read", "stepCount"),
    ):
        assert "com.example.none" in failed(run(runner, store_dir, *args)), args


def test_token_renewal_invalidates_the_old_token(
    runner: CliRunner, store_dir: Path, manifest_file: Path
) -> None:
    old = register(runner, store_dir, manifest_file)
    result = ok(runner, store_dir, "apps", "token", BUNDLE)
    [line] = [ln for ln in result.stdout.splitlines() if ln.startswith("token: ")]
    new = line.removeprefix("token: ")
    assert new != old
    assert result.stdout.count(new) == 1
    assert old not in result.output
    assert "shown only this time" in result.stderr
    with HealthStore.open(store_dir) as hs:
        assert hs.app_for_token(new).bundle_id == BUNDLE
        with pytest.raises(AuthorizationDenied) as caught:
            hs.app_for_token(old)
        assert old not in str(caught.value)
    newer = as_json(ok(runner, store_dir, "apps", "token", BUNDLE, "--json"))
    assert set(newer) == {"bundle_id", "token"}
    with HealthStore.open(store_dir) as hs:
        assert hs.app_for_token(newer["token"]).bundle_id == BUNDLE
        with pytest.raises(AuthorizationDenied):
            hs.app_for_token(new)


# --- requests and the person's answers ----------------------------------------------------


def test_the_full_flow(runner: CliRunner, store_dir: Path, manifest_file: Path) -> None:
    token = register(runner, store_dir, manifest_file)
    request(store_dir, share=["stepCount"], read=["stepCount", "heartRate"])
    with pytest.raises(AuthorizationNotDetermined):
        app_saves(store_dir, steps(10))

    [pending] = as_json(ok(runner, store_dir, "apps", "requests", "--json"))["requests"]
    assert pending == {
        "bundle_id": BUNDLE,
        "name": "Steps",
        "read": ["heartRate", "stepCount"],
        "share": ["stepCount"],
        "usage_descriptions": MANIFEST["usage_descriptions"],
    }
    text = ok(runner, store_dir, "apps", "requests").stdout
    assert "Shows your steps." in text
    assert "Records your walks." in text

    granted = as_json(
        ok(
            runner,
            store_dir,
            "apps",
            "grant",
            BUNDLE,
            "--read",
            "stepCount",
            "--share",
            "HKQuantityTypeIdentifierStepCount",
            "--json",
        )
    )
    assert granted == {
        "bundle_id": BUNDLE,
        "authorizations": [{"type": "stepCount", "read": "authorized", "share": "authorized"}],
    }
    app_saves(store_dir, steps(10), steps(20, 10))
    [pending] = as_json(ok(runner, store_dir, "apps", "requests", "--json"))["requests"]
    assert (pending["read"], pending["share"]) == (["heartRate"], [])

    ok(runner, store_dir, "apps", "deny", BUNDLE, "--read", "heartrate")
    assert as_json(ok(runner, store_dir, "apps", "requests", "--json")) == {"requests": []}
    assert "no requests" in ok(runner, store_dir, "apps", "requests").stdout

    saves = as_json(ok(runner, store_dir, "audit", "--app", BUNDLE, "--json"))
    assert [e["operation"] for e in saves] == ["request_authorization", "save"]
    assert saves[1]["actor"] == BUNDLE
    assert saves[1]["types"] == ["stepCount"]
    assert saves[1]["count"] == 2
    assert token not in json.dumps(as_json(ok(runner, store_dir, "audit", "--json")))

    revoked = as_json(
        ok(runner, store_dir, "apps", "revoke", BUNDLE, "--share", "stepCount", "--json")
    )
    assert revoked["authorizations"] == [
        {"type": "stepCount", "read": "authorized", "share": "denied"}
    ]
    with pytest.raises(AuthorizationDenied):
        app_saves(store_dir, steps(30, 20))
    assert authorizations(runner, store_dir) == {
        "heartRate": {"read": "denied", "share": None},
        "stepCount": {"read": "authorized", "share": "denied"},
    }
    decisions = [
        e["operation"] for e in as_json(ok(runner, store_dir, "audit", "--app", "person", "--json"))
    ]
    assert decisions == ["apps.register", "apps.grant", "apps.deny", "apps.revoke"]


def test_type_lists_are_comma_separated_and_repeatable(
    runner: CliRunner, store_dir: Path, manifest_file: Path
) -> None:
    register(runner, store_dir, manifest_file)
    request(store_dir, share=["stepCount"], read=["stepCount", "heartRate", "bodyMass"])
    ok(
        runner,
        store_dir,
        "apps",
        "grant",
        BUNDLE,
        "--read",
        "stepCount, HKQuantityTypeIdentifierHeartRate",
        "--read",
        "bodyMass",
    )
    decided = authorizations(runner, store_dir)
    assert {name: d["read"] for name, d in decided.items()} == {
        "bodyMass": "authorized",
        "heartRate": "authorized",
        "stepCount": "authorized",
    }
    assert decided["stepCount"]["share"] == "requested"
    ok(runner, store_dir, "apps", "revoke", BUNDLE, "--read", "heartRate,bodyMass")
    assert authorizations(runner, store_dir)["bodyMass"]["read"] == "denied"


def test_answers_need_types_that_were_asked_for(
    runner: CliRunner, store_dir: Path, manifest_file: Path
) -> None:
    register(runner, store_dir, manifest_file)
    request(store_dir, share=["stepCount"], read=["stepCount"])
    assert "name types" in failed(run(runner, store_dir, "apps", "grant", BUNDLE))
    assert "did not ask" in failed(
        run(runner, store_dir, "apps", "grant", BUNDLE, "--read", "heartRate")
    )
    assert "unknown type 'stepCont'" in failed(
        run(runner, store_dir, "apps", "deny", BUNDLE, "--share", "stepCont")
    )
    error = as_json(run(runner, store_dir, "apps", "grant", BUNDLE, "--read", "bodyMass", "--json"))
    assert error["error"]["field"] == "read"


# --- report, audit ------------------------------------------------------------------------


def test_report_finds_types_asked_for_and_not_used(
    runner: CliRunner, store_dir: Path, manifest_file: Path
) -> None:
    register(runner, store_dir, manifest_file)
    request(store_dir, share=["stepCount"], read=["stepCount", "heartRate"])
    ok(runner, store_dir, "apps", "grant", BUNDLE, "--share", "stepCount")
    app_saves(store_dir, steps(10))
    report = as_json(ok(runner, store_dir, "apps", "report", BUNDLE, "--days", "7", "--json"))
    assert report == {
        "bundle_id": BUNDLE,
        "days": 7,
        "requested": ["heartRate", "stepCount"],
        "used": ["stepCount"],
        "unused": ["heartRate"],
    }
    text = ok(runner, store_dir, "apps", "report", BUNDLE).stdout
    assert "1 unused: heartRate" in text
    assert run(runner, store_dir, "apps", "report", BUNDLE, "--days", "0").exit_code == 2


def test_audit_filters(runner: CliRunner, store_dir: Path, manifest_file: Path) -> None:
    register(runner, store_dir, manifest_file)
    request(store_dir, share=["stepCount"], read=[])
    ok(runner, store_dir, "apps", "grant", BUNDLE, "--share", "stepCount")
    app_saves(store_dir, steps(1))
    everything = as_json(ok(runner, store_dir, "audit", "--json"))
    assert len(everything) == 4
    assert set(everything[0]) == {"at", "actor", "operation", "types", "count", "detail"}
    assert as_json(ok(runner, store_dir, "audit", "--limit", "2", "--json")) == everything[-2:]
    later = as_json(ok(runner, store_dir, "audit", "--since", everything[-1]["at"], "--json"))
    assert later == everything[-1:]
    assert as_json(ok(runner, store_dir, "audit", "--since", "2999-01-01", "--json")) == []
    text = ok(runner, store_dir, "audit", "--app", BUNDLE).stdout
    assert "save" in text
    assert "apps.grant" not in text
    assert "since" in failed(run(runner, store_dir, "audit", "--since", "yesterday"))


# --- remove -------------------------------------------------------------------------------


def test_remove_keeps_the_data_unless_asked(
    runner: CliRunner, store_dir: Path, manifest_file: Path
) -> None:
    token = register(runner, store_dir, manifest_file)
    request(store_dir, share=["stepCount"], read=[])
    ok(runner, store_dir, "apps", "grant", BUNDLE, "--share", "stepCount")
    app_saves(store_dir, steps(10), steps(20, 10))

    removed = as_json(ok(runner, store_dir, "apps", "remove", BUNDLE, "--yes", "--json"))
    assert removed == {"bundle_id": BUNDLE, "deleted": 0}
    with HealthStore.open(store_dir) as hs:
        assert hs.apps() == []
        assert len(hs.samples("stepCount")) == 2
        with pytest.raises(AuthorizationDenied):
            hs.app_for_token(token)

    register(runner, store_dir, manifest_file)
    text = ok(runner, store_dir, "apps", "remove", BUNDLE, "--delete-data", "--yes").stdout
    assert "deleted 2 samples" in text
    with HealthStore.open(store_dir) as hs:
        assert hs.samples("stepCount") == []


def test_remove_asks_first(runner: CliRunner, store_dir: Path, manifest_file: Path) -> None:
    register(runner, store_dir, manifest_file)
    declined = run(runner, store_dir, "apps", "remove", BUNDLE, "--delete-data", input="n\n")
    assert "DELETE" in declined.stderr
    assert "not removed" in failed(declined)
    assert "not removed" in failed(run(runner, store_dir, "apps", "remove", BUNDLE, input=""))
    declined = run(runner, store_dir, "apps", "remove", BUNDLE, "--json", input="n\n")
    assert declined.exit_code == 1
    # CliRunner echoes the typed answer to stdout; a terminal would not.
    echoed, _, document = declined.stdout.partition("{")
    assert echoed.strip() == "n"
    assert json.loads("{" + document)["error"]["name"] == "userCanceled"
    with HealthStore.open(store_dir) as hs:
        assert [a.bundle_id for a in hs.apps()] == [BUNDLE]

    confirmed = ok(runner, store_dir, "apps", "remove", BUNDLE, input="y\n")
    assert "samples stay" in confirmed.stdout
    with HealthStore.open(store_dir) as hs:
        assert hs.apps() == []


def test_commands_need_a_store(runner: CliRunner) -> None:
    result = runner.invoke(app, ["apps", "list"])
    assert "no store given" in failed(result)


def test_history_is_granted_and_revoked_and_listed(
    runner: CliRunner, store_dir: Path, manifest_file: Path
) -> None:
    register(runner, store_dir, manifest_file)
    request(store_dir, share=[], read=["stepCount"])
    listed = as_json(ok(runner, store_dir, "apps", "list", "--json"))["apps"][0]
    assert listed["history"] == {"granted": False, "since": None}  # not let read yet
    ok(runner, store_dir, "apps", "grant", BUNDLE, "--read", "stepCount")
    limited = as_json(ok(runner, store_dir, "apps", "list", "--json"))["apps"][0]["history"]
    assert limited["granted"] is False and limited["since"] is not None
    assert "from " in ok(runner, store_dir, "apps", "list").stdout
    granted = as_json(ok(runner, store_dir, "apps", "grant", BUNDLE, "--history", "--json"))
    assert granted == {
        "bundle_id": BUNDLE,
        "authorizations": [],
        "history": {"granted": True, "since": None},
    }
    assert "history:        all" in ok(runner, store_dir, "apps", "show", BUNDLE).stdout
    text = ok(runner, store_dir, "apps", "revoke", BUNDLE, "--history").stdout
    assert f"{BUNDLE} reads history: from " in text
    with HealthStore.open(store_dir) as hs:
        assert not hs.history_access(BUNDLE).granted
        assert hs.authorizations(BUNDLE) == {"stepCount": {"read": "authorized"}}
