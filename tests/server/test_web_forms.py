"""The add-data form without a browser: every category type a person records offers each
of its values once (aliases left out), and each offered value saves as itself; a time span
that ends before it starts, without an end date, is the next morning."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from healthstore import catalogue
from healthstore.catalogue.registry import Kind
from healthstore.model import CategorySample
from healthstore.server.web.forms import choices, form_kind, parse_add

ZONE = ZoneInfo("Europe/Paris")
CATEGORIES = [t for t in catalogue.all_types() if t.kind == Kind.category and t.app_writable]


def test_every_value_of_every_category_is_offered_once_and_saves_as_itself() -> None:
    assert CATEGORIES
    when = datetime(2024, 5, 1, 12, tzinfo=ZONE)
    for t in CATEGORIES:
        assert form_kind(t) == "category"
        offered = choices(t)
        assert t.value_enum is not None
        assert sorted(t.value_enum.parse(m) for m, _ in offered) == sorted(
            set(t.value_enum.members.values())
        )
        for member, _ in offered:
            meta = {"HKMenstrualCycleStart": False} if t.required_metadata else None
            sample = CategorySample(t, member, when, metadata=meta)
            assert sample.value == t.value_enum.parse(member)


@given(
    st.integers(min_value=0, max_value=23),
    st.integers(min_value=0, max_value=23),
    st.integers(min_value=0, max_value=59),
)
def test_an_end_before_the_start_is_the_next_morning(start_h: int, end_h: int, m: int) -> None:
    day = datetime.now(ZONE).date() - timedelta(days=5)
    form = {
        "value": "AsleepDeep",
        "date": day.isoformat(),
        "time": f"{start_h:02d}:{m:02d}",
        "end_date": "",
        "end_time": f"{end_h:02d}:00",
    }
    parsed, sample = parse_add(catalogue.object_type("sleepAnalysis"), form, [], ZONE)
    assert sample is not None, parsed.errors
    assert timedelta(0) <= sample.end - sample.start < timedelta(days=1)
    assert sample.end.astimezone(ZONE).hour == end_h
