"""The pure domain behind two bake-day details: a rise check's values around what the model
expects by then, and the prediction announced for a bake's final target."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedules import forecast
from schedules.types import Bake, BakeEvent, EventKind, RiseReading, User

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expected", "values"),
    [
        (None, (25, 50, 75, 100)),
        (38, (25, 35, 40, 50)),
        (40, (25, 35, 40, 55)),
        (75, (50, 70, 75, 100)),
        (3, (5, 10, 15, 20)),
        (400, (175, 245, 250, 300)),
    ],
)
def test_rise_choices(expected: float | None, values: tuple[int, ...]) -> None:
    assert forecast.rise_choices(expected) == values


@given(st.floats(min_value=0, max_value=250))
def test_rise_choices_bracket_what_is_expected(expected: float) -> None:
    values = forecast.rise_choices(expected)
    assert len(values) == 4 and list(values) == sorted(set(values))
    assert all(v % 5 == 0 and 5 <= v <= forecast.RISE_CHOICE_MAX for v in values)
    assert any(low <= expected <= high for low, high in itertools.pairwise(values)) or expected < 5


def test_expected_rise_follows_the_model_and_never_sinks_below_a_reading() -> None:
    user = User(id=1, chat_id=1, first_name="Ann")
    bake = Bake(id=1, user_id=1, name="Loaf", started_at=START, dough_temp_c=24.0)
    prediction = forecast.predict(user, bake, [], 24.0)
    assert prediction is not None
    at_3h = forecast.expected_rise(prediction, bake, START + timedelta(hours=3))
    at_5h = forecast.expected_rise(prediction, bake, START + timedelta(hours=5))
    assert at_3h is not None and at_5h is not None and 0 < at_3h < at_5h
    reading = RiseReading(id=1, bake_id=1, taken_at=START + timedelta(hours=2), rise_pct=at_3h + 20)
    assert forecast.expected_rise(prediction, bake, START + timedelta(hours=3), [reading]) == at_3h + 20
    assert forecast.expected_rise(None, bake, START + timedelta(hours=3)) is None


def test_the_announced_prediction_names_a_changed_target() -> None:
    bake = Bake(
        id=1, user_id=1, name="Loaf", started_at=START, target_rise_pct=60.0, predicted_bulk_hours=5.0
    )
    changed = forecast.target_change(75.0, 60.0)
    assert changed == "75 → 60" and forecast.target_change(60.0, 60.2) is None
    assert forecast.target_change(None, 60.0) is None
    event = BakeEvent(id=1, bake_id=1, kind=EventKind.TARGET, at=START, detail=changed)
    said = forecast.announced(bake, [event])
    assert said == forecast.Announced(5.0, 60.0, 75.0)
    assert said.error_pct(4.0) == pytest.approx(25.0)
    assert forecast.announced(bake, []) == forecast.Announced(5.0, 60.0, None)
    back = BakeEvent(id=1, bake_id=1, kind=EventKind.TARGET, at=START, detail="60 → 75")
    assert forecast.announced(bake, [back, event]) == forecast.Announced(5.0, 60.0, None)  # changed back
    assert forecast.announced(Bake(id=2, user_id=1, name="No temp", started_at=START), []) is None
