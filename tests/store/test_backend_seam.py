"""The backend seam: the SQLite dialect's fragments behave like Python on real SQLite, the
migration runner applies each migration once and records it (stores from before the
migrations table included), and a store naming an unknown backend is refused clearly."""

from __future__ import annotations

import ast
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthstore import HealthStore, catalogue
from healthstore.errors import DatabaseInaccessible, InvalidArgument
from healthstore.model import QuantitySample
from healthstore.storage import sqlite as sqlite_backend
from healthstore.storage.backend import FileBackup, Rekeyable, Streaming
from healthstore.storage.backends import FIELD, open_backend
from healthstore.storage.dialect import SQLITE
from healthstore.storage.migrate import ADOPTED, Migration, migrate, shipped
from healthstore.storage.sqlite import SQLiteBackend
from healthstore.store import DATABASE_FILE, FORMAT_FILE
from healthstore.units import Quantity
from tests.conftest import at

SRC = Path(__file__).resolve().parents[2] / "src" / "healthstore"


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    yield conn
    conn.close()


def one(db: sqlite3.Connection, sql: str, params: list[Any]) -> Any:
    return db.execute(SQLITE.render(sql), params).fetchone()[0]


# --- the dialect's fragments, against Python --------------------------------------------------
numbers = st.one_of(st.integers(-(2**62), 2**62), st.floats(allow_nan=False, allow_infinity=False))


@given(st.lists(numbers, min_size=1, max_size=6))
def test_greatest_and_least_are_max_and_min(db: sqlite3.Connection, values: list[float]) -> None:
    marks = [f"CAST(? AS {'INTEGER' if isinstance(v, int) else 'REAL'})" for v in values]
    assert one(db, f"SELECT {SQLITE.greatest(*marks)}", values) == max(values)
    assert one(db, f"SELECT {SQLITE.least(*marks)}", values) == min(values)


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    # (SQLite's JSON functions end a string at NUL: not a value a comparison relies on.)
    st.text(st.characters(codec="utf-8", min_codepoint=1)),
)
# Keys with the characters a JSON path could trip on: dots, backslashes, brackets, quotes,
# non-ASCII. (A double quote inside a key is beyond SQLite 3.40's path syntax.)
keys = st.text(alphabet=st.sampled_from("ab.$\\[]' é"), min_size=1, max_size=8)


def stored(document: dict[str, Any]) -> str:
    """JSON text as the store writes it (healthstore.metadata.to_json)."""
    return json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


@given(st.dictionaries(keys, json_scalars, min_size=1, max_size=5), st.data())
def test_json_field_reads_the_value_python_reads(
    db: sqlite3.Connection, document: dict[str, Any], data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(sorted(document)))
    text = stored(document)
    field, params = SQLITE.json_field("?", key)
    found = one(db, f"SELECT {field}", [text, *params])
    expected = document[key]
    assert found == SQLITE.json_param(expected)
    if expected is not None:  # and compares equal with the value Python has
        equal = one(db, f"SELECT {field} = ?", [text, *params, SQLITE.json_param(expected)])
        assert equal == 1


@given(st.dictionaries(keys, st.dictionaries(keys, json_scalars, max_size=3), max_size=3), keys)
def test_json_field_follows_a_path_and_is_null_when_absent(
    db: sqlite3.Connection, document: dict[str, Any], missing: str
) -> None:
    text = stored(document)
    for outer, inner in document.items():
        for key, value in inner.items():
            field, params = SQLITE.json_field("?", outer, key)
            assert one(db, f"SELECT {field}", [text, *params]) == SQLITE.json_param(value)
    if missing not in document:
        field, params = SQLITE.json_field("?", missing, "x")
        assert one(db, f"SELECT {field}", [text, *params]) is None


@given(st.lists(st.binary(min_size=16, max_size=16), max_size=300))
def test_uuid_probe_yields_each_uuid(db: sqlite3.Connection, uuids: list[bytes]) -> None:
    if not uuids:
        return
    probe, params = SQLITE.uuid_probe(uuids)
    rows = db.execute(SQLITE.render(f"{probe} SELECT wanted FROM probe"), params).fetchall()
    assert [row[0] for row in rows] == uuids


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 10**6)), max_size=40))
def test_upserts_keep_the_greatest_and_first_rows(
    db: sqlite3.Connection, rows: list[tuple[int, int]]
) -> None:
    db.execute("CREATE TEMP TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
    db.execute("DELETE FROM t")
    wider = {"v": SQLITE.greatest("v", "excluded.v")}
    db.executemany(SQLITE.render(SQLITE.upsert("t", ("k", "v"), ("k",), wider)), rows)
    expected: dict[int, int] = {}
    for k, v in rows:
        expected[k] = max(v, expected.get(k, v))
    assert dict(db.execute("SELECT k, v FROM t").fetchall()) == expected
    db.execute("DELETE FROM t")
    db.executemany(SQLITE.render(SQLITE.upsert("t", ("k", "v"))), rows)
    first: dict[int, int] = {}
    for k, v in rows:
        first.setdefault(k, v)
    assert dict(db.execute("SELECT k, v FROM t").fetchall()) == first


@given(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30))
def test_limit_offset_pages_like_slicing(
    db: sqlite3.Connection, size: int, limit: int, offset: int
) -> None:
    page, params = SQLITE.limit_offset(limit, offset)
    values = list(range(size))
    sql = (
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) "
        f"SELECT i FROM n WHERE i < ? ORDER BY i {page}"
    )
    rows = db.execute(SQLITE.render(sql), [max(size, 1), size, *params]).fetchall()
    assert [r[0] for r in rows] == (values[offset : offset + limit] if limit else values[offset:])


@given(st.booleans())
def test_flags_and_boolean_literals(db: sqlite3.Connection, value: bool) -> None:
    flag = SQLITE.flag(value)
    assert one(db, f"SELECT ? = {SQLITE.true}", [flag]) == int(value)
    assert one(db, f"SELECT ? = {SQLITE.false}", [flag]) == int(not value)
    assert one(db, f"SELECT NOT COALESCE(NULL, {SQLITE.false})", []) == 1


SQLITE_ITSELF = {"sqlite.py", "read_pool.py", "dialect.py", "backends.py"}
"""The storage modules that are SQLite's own (or name it, to open it)."""


def _code_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The numbered lines of ``path``, leaving out its docstrings (prose may name SQLite)."""
    text = path.read_text("utf-8")
    prose: set[int] = set()
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            prose.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    for n, line in enumerate(text.splitlines(), 1):
        if n not in prose and not line.lstrip().startswith("#"):
            yield n, line


def test_query_and_storage_hold_no_sqlite_spelling() -> None:
    """The compiler, the readers, the writer and every table's storage module ask the
    dialect: none of them spells a SQLite-only construct (only SQLite's own modules do)."""
    sqlite_only = re.compile(
        r"(?i:json_extract|json_each|WITH RECURSIVE|substr\(|PRAGMA|INSERT OR|user_version|"
        r"sqlite)|\b(MAX|MIN)\([^)]*,"  # SQLite's two-argument MAX/MIN (SQL is upper case)
    )
    files = [*sorted((SRC / "query").glob("*.py")), *sorted((SRC / "storage").glob("*.py"))]
    found = [
        f"{path.relative_to(SRC)}:{n}: {line.strip()}"
        for path in files
        if path.name not in SQLITE_ITSELF
        for n, line in _code_lines(path)
        if sqlite_only.search(line)
    ]
    assert found == []
    assert len(files) > 20  # the scan sees the modules it guards


# --- the migration runner ---------------------------------------------------------------------
def counting(version: int) -> Migration:
    """A migration that counts its runs in table ``runs``."""
    return Migration(
        version,
        f"{version:04d}_count.sql",
        f"CREATE TABLE IF NOT EXISTS runs (version INTEGER); INSERT INTO runs VALUES ({version});",
    )


def recorded(backend: SQLiteBackend) -> list[tuple[int, str, str]]:
    rows = backend.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY 1")
    return [(int(v), str(n), str(a)) for v, n, a in rows]


def test_a_new_store_records_every_shipped_migration_once(tmp_path: Path) -> None:
    backend = SQLiteBackend(tmp_path / "s.db", create=True)
    try:
        rows = recorded(backend)
        assert [(v, n) for v, n, _ in rows] == [(m.version, m.name) for m in shipped("sqlite")]
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", a) for *_, a in rows)
        with backend.exclusive():
            assert migrate(backend, shipped("sqlite")) == []  # nothing left to apply
        assert recorded(backend) == rows
    finally:
        backend.close()


def test_the_runner_applies_each_migration_once_in_order(tmp_path: Path) -> None:
    backend = SQLiteBackend(tmp_path / "s.db", create=True)
    try:
        base = shipped("sqlite")
        extra = [counting(1001), counting(1000)]
        with backend.exclusive():
            assert [m.version for m in migrate(backend, [*base, *sorted(extra, key=_v)])] == [
                1000,
                1001,
            ]
            assert migrate(backend, [*base, *sorted(extra, key=_v)]) == []
            assert [m.version for m in migrate(backend, [*base, *extra, counting(1002)])] == [1002]
            runs = [r[0] for r in backend.query("SELECT version FROM runs ORDER BY rowid")]
        assert runs == [1000, 1001, 1002]
        assert [v for v, *_ in recorded(backend)][-3:] == [1000, 1001, 1002]
        assert backend.legacy_version() == 1002  # an older healthstore sees a newer store
    finally:
        backend.close()


def _v(m: Migration) -> int:
    return m.version


def test_a_failing_migration_leaves_nothing_and_runs_again(tmp_path: Path) -> None:
    backend = SQLiteBackend(tmp_path / "s.db", create=True)
    broken = Migration(1000, "1000_broken.sql", "CREATE TABLE half (x); SELECT * FROM nowhere;")
    try:
        with backend.exclusive():
            with pytest.raises(sqlite3.OperationalError, match="nowhere"):
                migrate(backend, [*shipped("sqlite"), broken])
            assert not backend.has_table("half")
            assert 1000 not in [v for v, *_ in recorded(backend)]
            fixed = Migration(1000, "1000_fixed.sql", "CREATE TABLE half (x);")
            assert migrate(backend, [*shipped("sqlite"), fixed]) == [fixed]
            assert backend.has_table("half")
    finally:
        backend.close()


def test_a_store_from_a_newer_healthstore_is_refused(tmp_path: Path) -> None:
    SQLiteBackend(tmp_path / "s.db", create=True).close()
    with sqlite3.connect(tmp_path / "s.db") as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 'x')")
    conn.close()
    with pytest.raises(DatabaseInaccessible, match="version 9999 is newer"):
        SQLiteBackend(tmp_path / "s.db")


# --- stores from before the migrations table -----------------------------------------------------
def user_version_store(directory: Path, version: int) -> None:
    """A store as healthstore kept it before ``schema_migrations``: made by migrations up
    to ``version``, its version only in ``PRAGMA user_version``."""
    every = shipped("sqlite")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            sqlite_backend, "shipped", lambda _: [m for m in every if m.version <= version]
        )
        with HealthStore.create(directory) as store:
            heart = catalogue.object_type("heartRate")
            store.save([QuantitySample(heart, Quantity(61.0, "count/min"), at(0), at(1))])
    with sqlite3.connect(directory / DATABASE_FILE) as conn:
        conn.executescript(f"DROP TABLE schema_migrations; PRAGMA user_version = {version};")
    conn.close()


def test_an_up_to_date_store_from_before_the_table_runs_nothing_on_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    newest = shipped("sqlite")[-1].version
    user_version_store(tmp_path / "old", newest)
    scripts: list[str] = []
    original = SQLiteBackend.execute_script

    def spy(self: SQLiteBackend, script: str) -> None:
        scripts.append(script)
        original(self, script)

    monkeypatch.setattr(SQLiteBackend, "execute_script", spy)
    with HealthStore.open(tmp_path / "old") as store:
        assert len(store.samples("heartRate")) == 1
        rows = recorded(store._backend._inner)  # type: ignore[attr-defined]
    assert [(v, n, a) for v, n, a in rows] == [
        (m.version, m.name, ADOPTED) for m in shipped("sqlite")
    ]
    # one script: the table and its rows; no migration's SQL
    assert len(scripts) == 1 and "CREATE TABLE IF NOT EXISTS schema_migrations" in scripts[0]
    assert not any(m.sql in scripts[0] for m in shipped("sqlite"))
    with HealthStore.open(tmp_path / "old") as store:  # and the next open runs nothing at all
        assert len(scripts) == 1


def test_an_older_store_from_before_the_table_runs_only_what_it_lacks(tmp_path: Path) -> None:
    every = shipped("sqlite")
    had = every[5].version  # 0006 (what saving needs): the later ones are new to it
    user_version_store(tmp_path / "old", had)
    with HealthStore.open(tmp_path / "old") as store:
        assert len(store.samples("heartRate")) == 1
        rows = recorded(store._backend._inner)  # type: ignore[attr-defined]
        assert store._backend.query("PRAGMA user_version")[0][0] == every[-1].version
    assert [(v, n) for v, n, _ in rows] == [(m.version, m.name) for m in every]
    assert [a == ADOPTED for *_, a in rows] == [m.version <= had for m in every]


def test_a_user_version_newer_than_this_healthstore_is_refused(tmp_path: Path) -> None:
    user_version_store(tmp_path / "old", shipped("sqlite")[-1].version)
    with sqlite3.connect(tmp_path / "old" / DATABASE_FILE) as conn:
        conn.execute("PRAGMA user_version = 9999")
    conn.close()
    with pytest.raises(DatabaseInaccessible, match="version 9999 is newer"):
        HealthStore.open(tmp_path / "old")


# --- choosing the backend ------------------------------------------------------------------------
def _rewrite_marker(directory: Path, **fields: Any) -> None:
    marker = json.loads((directory / FORMAT_FILE).read_text("utf-8"))
    marker.update(fields)
    for name, value in fields.items():
        if value is None:
            del marker[name]
    (directory / FORMAT_FILE).write_text(json.dumps(marker), "utf-8")


@pytest.mark.parametrize("name", ["postgres-someday", "SQLite", 7, ""])
def test_an_unknown_backend_is_refused_naming_the_field(tmp_path: Path, name: object) -> None:
    HealthStore.create(tmp_path / "s").close()
    _rewrite_marker(tmp_path / "s", backend=name)
    with pytest.raises(DatabaseInaccessible) as caught:
        HealthStore.open(tmp_path / "s")
    assert caught.value.field == FIELD
    assert "'backend'" in str(caught.value) and repr(name) in str(caught.value)
    assert "store.json" in str(caught.value)


def test_a_store_json_without_a_backend_is_sqlite(tmp_path: Path) -> None:
    with HealthStore.create(tmp_path / "s") as store:
        store.save([QuantitySample("heartRate", Quantity(60.0, "count/min"), at(0), at(0))])
    assert json.loads((tmp_path / "s" / FORMAT_FILE).read_text("utf-8"))[FIELD] == "sqlite"
    _rewrite_marker(tmp_path / "s", backend=None)
    with HealthStore.open(tmp_path / "s") as store:
        assert store._backend.name == "sqlite"
        assert len(store.samples("heartRate")) == 1


def test_open_backend_refuses_an_unknown_name_and_sqlite_has_its_capabilities(
    tmp_path: Path,
) -> None:
    with pytest.raises(DatabaseInaccessible, match="'backend'"):
        open_backend(tmp_path, "oracle", create=True)
    backend = open_backend(tmp_path, create=True)
    try:
        assert backend.name == "sqlite" and backend.dialect is SQLITE
        assert all(isinstance(backend, c) for c in (Rekeyable, FileBackup, Streaming))
    finally:
        backend.close()


class OnlyTheProtocol:
    """A backend with nothing beyond :class:`Backend` (a real SQLite store inside): what
    the store needs of any backend."""

    def __init__(self, inner: SQLiteBackend) -> None:
        self._inner = inner
        self.name, self.dialect = inner.name, inner.dialect
        self.transaction, self.in_transaction = inner.transaction, inner.in_transaction
        self.exclusive, self.snapshot, self.savepoint = (
            inner.exclusive,
            inner.snapshot,
            inner.savepoint,
        )
        self.execute, self.executemany = inner.execute, inner.executemany
        self.query, self.iterate = inner.query, inner.iterate
        self.reserve_anchors, self.close = inner.reserve_anchors, inner.close


def test_a_backend_without_the_optional_capabilities_serves_a_store(tmp_path: Path) -> None:
    plain = OnlyTheProtocol(SQLiteBackend(tmp_path / "s.db", create=True))
    assert not any(isinstance(plain, c) for c in (Rekeyable, FileBackup, Streaming))
    with HealthStore(plain, tmp_path) as store:
        sample = QuantitySample("heartRate", Quantity(60.0, "count/min"), at(0), at(1))
        store.save([sample])
        with store._backend.streaming():  # type: ignore[attr-defined]  # a no-op here
            assert [s.uuid for s in store.samples("heartRate")] == [sample.uuid]
        assert not store.encrypted
        with pytest.raises(InvalidArgument, match="no file to back up") as caught:
            store.backup(tmp_path / "backup.zip")
        assert caught.value.field == "store"
        assert not (tmp_path / "backup.zip").exists()
