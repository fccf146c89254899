"""Every Python snippet in README.md and docs/*.md runs, as written.

The convention, for whoever writes documentation:

- Each fenced ```python block of a document is a snippet. The snippets of one document run
  in order, in one namespace, in a fresh temporary directory (the working directory), so a
  later block may use what an earlier one defined. The namespace starts with ``store``, a
  fresh unencrypted :class:`HealthStore` (a document may make its own instead), and the
  directory holds ``export.zip``, a small Apple Health export, for snippets that import one.
- A block preceded by a line ``<!-- snippet: server -->`` talks to a running server: it runs while
  a real server on loopback serves the namespace's ``store``, with
  ``http://127.0.0.1:8765`` in its text replaced by that server's address. If the document
  has not defined ``token``, it is the token of an app ``com.example.docs`` that may write
  and read heart rate and steps.
- A block that is deliberately not runnable (a list of signatures) is preceded by
  ``<!-- snippet: skip (reason) -->``. Keep these few; the test fails when the reason is
  missing.

Other markers, or a marker not followed by a block, fail the test, so a typo cannot skip
a snippet silently.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from healthstore import HealthStore
from tests.conftest import SHARED
from tests.server_support import serve

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCUMENTED_URL = "http://127.0.0.1:8765"
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
MARKER = re.compile(
    r"^<!--\s*snippet:\s*(\w+)\s*(?:\((.*?)\))?\s*-->[ \t]*\n(?=```python)", re.MULTILINE
)
ANY_MARKER = re.compile(r"^<!--\s*snippet:", re.MULTILINE)


@dataclass(frozen=True)
class Snippet:
    document: str
    line: int
    code: str
    mode: str  # "run", "server" or "skip"


def snippets(document: Path) -> list[Snippet]:
    text = document.read_text("utf-8")
    marked = {m.end(): (m.group(1), m.group(2)) for m in MARKER.finditer(text)}
    if len(marked) != len(ANY_MARKER.findall(text)):
        raise AssertionError(
            f"{document.name}: a snippet marker is malformed or not followed by a ```python block"
        )
    out = []
    for m in FENCE.finditer(text):
        mode, reason = marked.get(m.start(), ("run", None))
        if mode not in ("run", "server", "skip") or (mode == "run" and m.start() in marked):
            raise AssertionError(f"{document.name}: unknown snippet marker {mode!r}")
        if mode == "skip" and not (reason or "").strip():
            raise AssertionError(f"{document.name}: a skipped snippet must say why")
        line = text.count("\n", 0, m.start()) + 1
        out.append(Snippet(document.name, line, m.group(1), mode))
    return out


def documents_with_snippets() -> Iterator[Any]:
    for document in DOCUMENTS:
        if snippets(document):
            yield pytest.param(document, id=document.name)


APP_MANIFEST = {
    "bundle_id": "com.example.docs",
    "name": "Docs",
    "usage_descriptions": {
        "NSHealthShareUsageDescription": "Reads what the docs show.",
        "NSHealthUpdateUsageDescription": "Writes what the docs show.",
    },
    "privacy_policy_url": "https://example.com/privacy",
    "entitlements": ["healthkit", "background-delivery"],
    "purposes": ["fitness"],
}


def app_token(store: HealthStore) -> str:
    token = store.register_app(APP_MANIFEST)
    types = ["heartRate", "stepCount"]
    app = store.app("com.example.docs")
    app.request_authorization(share=types, read=types)
    store.grant("com.example.docs", share=types, read=types, history=True)
    return token


MINIMAL_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<HealthData locale="en_US">
 <ExportDate value="2024-05-02 08:00:00 +0200"/>
 <Record type="HKQuantityTypeIdentifierStepCount" sourceName="Phone" unit="count" value="812"
  startDate="2024-05-01 08:00:00 +0200" endDate="2024-05-01 08:10:00 +0200"/>
</HealthData>
"""


def write_export(path: Path) -> None:
    """``export.zip``: the shared iOS 8 export when there, else a one-record export."""
    shared = SHARED / "data" / "apple" / "rgosdin-docs_export_v8_2019.xml"
    xml = shared.read_bytes() if shared.exists() else MINIMAL_EXPORT
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("apple_health_export/export.xml", xml)


def run_snippet(snippet: Snippet, namespace: dict[str, Any]) -> None:
    code = compile(snippet.code, f"{snippet.document}:{snippet.line}", "exec")
    if snippet.mode == "run":
        exec(code, namespace)
        return
    if "token" not in namespace:
        namespace["token"] = app_token(namespace["store"])
    with serve(namespace["store"]) as url:
        served = snippet.code.replace(DOCUMENTED_URL, url.rstrip("/"))
        exec(compile(served, f"{snippet.document}:{snippet.line}", "exec"), namespace)


def test_the_documents_have_snippets_and_few_are_skipped() -> None:
    every = [s for d in DOCUMENTS for s in snippets(d)]
    assert any(s.document == "README.md" for s in every)
    assert sum(s.mode == "skip" for s in every) <= len(every) // 4


@pytest.mark.parametrize("document", list(documents_with_snippets()))
def test_every_snippet_runs(
    document: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_export(tmp_path / "export.zip")
    monkeypatch.chdir(tmp_path)
    store = HealthStore.create(tmp_path / "fresh-store")
    namespace: dict[str, Any] = {"__name__": "__snippet__", "store": store}
    try:
        for snippet in snippets(document):
            if snippet.mode != "skip":
                try:
                    run_snippet(snippet, namespace)
                except Exception as exc:
                    raise AssertionError(
                        f"the snippet at {snippet.document}:{snippet.line} fails: {exc!r}"
                    ) from exc
    finally:
        for value in list(namespace.values()):
            if isinstance(value, HealthStore):
                value.close()
        os.chdir(ROOT)
