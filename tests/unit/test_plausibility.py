"""A reading far above what the dough can have done by now is asked about."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schedules import plausibility as p


def test_a_big_rise_seconds_after_mixing_is_implausible() -> None:
    verdict = p.check_rise(45.0, timedelta(seconds=10))
    assert verdict is not None
    assert verdict.rise_pct == 45.0 and verdict.elapsed == timedelta(seconds=10)
    assert verdict.most_pct == p.FLOOR_PCT


@pytest.mark.parametrize("rise", [0.0, 5.0, 20.0, p.FLOOR_PCT])
def test_a_small_reading_is_never_questioned(rise: float) -> None:
    assert p.check_rise(rise, timedelta(0)) is None
    assert p.check_rise(rise, timedelta(seconds=1), starter_pct=5, temperatures_c=[18.0]) is None


def test_the_bound_grows_with_time_and_lets_anything_through_after_hours() -> None:
    bounds = [p.most_plausible_rise(timedelta(minutes=m)) for m in (0, 30, 60, 90, 120, 240)]
    assert bounds == sorted(bounds)
    assert bounds[0] == p.FLOOR_PCT
    assert p.check_rise(300.0, timedelta(hours=5)) is None


def test_the_bound_follows_the_bake_temperature_and_starter() -> None:
    """A cool dough with little starter can't be at 60 % an hour in; a warm, well-fed one can."""
    hour = timedelta(hours=1)
    cool = p.check_rise(60.0, hour, starter_pct=10, temperatures_c=[21.0])
    assert cool is not None and cool.most_pct < 60
    assert p.check_rise(60.0, hour, starter_pct=50, temperatures_c=[29.0]) is None


def test_generous_margin_over_the_model() -> None:
    """The bound is well above the model's own curve: three times its speed, warmer, plus margin."""
    from schedules import fermentation as model

    hours = 2.0
    expected = model.predicted_rise_pct(hours, 20, 24)
    bound = p.most_plausible_rise(timedelta(hours=hours), starter_pct=20, temperatures_c=[24.0])
    assert bound > 3 * expected + p.MARGIN_PCT


def test_a_known_fast_dough_widens_the_bound_but_a_slow_one_never_narrows_it() -> None:
    hour = timedelta(hours=1)
    normal = p.most_plausible_rise(hour, starter_pct=20, temperatures_c=[24.0])
    assert p.most_plausible_rise(hour, starter_pct=20, temperatures_c=[24.0], pace=0.5) > normal
    assert p.most_plausible_rise(hour, starter_pct=20, temperatures_c=[24.0], pace=2.0) == normal


def test_a_negative_elapsed_time_counts_as_none() -> None:
    assert p.most_plausible_rise(timedelta(minutes=-5)) == p.FLOOR_PCT
