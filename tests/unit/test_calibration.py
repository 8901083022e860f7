"""Tests for schedules.calibration: per-baker learning of the model's pace."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import random

import pytest

from schedules.calibration import (
    Calibration,
    calibrated_hours,
    from_json,
    prediction_window,
    to_json,
    update_calibration,
)
from schedules.fermentation import predict_bulk_hours, target_rise_pct


def test_default_calibration_is_the_reset_state() -> None:
    cal = Calibration()
    assert cal.speed_factor == 1.0 and cal.samples == 0 and cal.recent_errors_pct == ()
    assert calibrated_hours(cal, 6.5) == pytest.approx(6.5)
    assert [f.name for f in dataclasses.fields(Calibration)] == [
        "speed_factor",
        "samples",
        "recent_errors_pct",
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cal.samples = 3  # type: ignore[misc]
    # "reset" is simply a fresh Calibration(): it round-trips and predicts like the bare model
    learnt = update_calibration(cal, 6.0, 9.0)
    assert learnt != Calibration()
    assert from_json(to_json(Calibration())) == Calibration()


def test_slow_baker_converges_within_three_bakes() -> None:
    """A baker whose dough is 30 % slower than the model, with bake-to-bake noise (seeded)."""
    rng = random.Random(1234)
    for _baker in range(25):
        cal = Calibration()
        for _bake in range(3):
            starter = rng.choice((10.0, 15.0, 20.0, 25.0))
            temp = rng.uniform(20.0, 27.0)
            model = predict_bulk_hours(starter, temp, target_rise_pct(temp))
            actual = 1.3 * model * math.exp(rng.gauss(0.0, 0.05))
            cal = update_calibration(cal, model, actual)
        assert cal.samples == 3
        # the next bake: the calibrated prediction is within 10 % of this baker's true pace
        model = predict_bulk_hours(20.0, 24.0, 50.0)
        truth = 1.3 * model
        assert abs(calibrated_hours(cal, model) - truth) / truth < 0.10


def test_first_bake_moves_all_the_way_then_weights_settle() -> None:
    cal = update_calibration(Calibration(), 6.0, 7.8)
    assert cal.speed_factor == pytest.approx(1.3)
    assert cal.samples == 1
    # the second bake gets weight 1/2 in log space: the geometric mean of 1.3 and 1.0
    cal2 = update_calibration(cal, 6.0, 6.0)
    assert cal2.speed_factor == pytest.approx(math.sqrt(1.3))
    # after many bakes the weight floors at 0.3: one odd bake moves the factor by 30 % (log)
    steady = Calibration(speed_factor=1.0, samples=20)
    moved = update_calibration(steady, 5.0, 10.0)
    assert math.log(moved.speed_factor) == pytest.approx(0.3 * math.log(2.0))


def test_factor_is_clamped_and_absurd_inputs_ignored() -> None:
    assert update_calibration(Calibration(), 5.0, 100.0).speed_factor == pytest.approx(3.0)
    assert update_calibration(Calibration(), 10.0, 1.0).speed_factor == pytest.approx(0.33)
    cal = Calibration(speed_factor=1.2, samples=2, recent_errors_pct=(5.0,))
    for model, actual in ((0.0, 5.0), (5.0, 0.0), (-1.0, 5.0), (5.0, -2.0), (float("nan"), 5.0),
                          (5.0, float("inf")), (5.0, 1000.0)):
        assert update_calibration(cal, model, actual) is cal


def test_recent_errors_are_signed_and_bounded() -> None:
    cal = update_calibration(Calibration(), 10.0, 13.0)
    # the uncalibrated prediction (10 h) came 3 h short of 13 h: -23 %
    assert cal.recent_errors_pct == pytest.approx((-23.1,), abs=0.05)
    cal = update_calibration(cal, 10.0, 13.0)
    assert cal.recent_errors_pct[-1] == pytest.approx(0.0, abs=0.05)  # now it predicts 13 h
    for _ in range(10):
        cal = update_calibration(cal, 10.0, 12.0)
    errors = cal.recent_errors_pct
    assert len(errors) == 5
    # still predicting a little over 12 h, less so each bake
    assert all(e > 0 for e in errors)
    assert all(b <= a for a, b in itertools.pairwise(errors))


def test_prediction_window_narrows_with_samples() -> None:
    lo, hi = prediction_window(Calibration(), 10.0)
    assert (lo, hi) == pytest.approx((7.5, 12.5))
    widths = []
    for n in range(0, 10):
        lo, hi = prediction_window(Calibration(samples=n), 10.0)
        assert lo < 10.0 < hi
        widths.append(hi - lo)
    assert all(b <= a for a, b in itertools.pairwise(widths))
    assert widths[5] == pytest.approx(2.0)  # +-10 % after 5 bakes
    assert widths[9] == pytest.approx(2.0)


def test_json_round_trip_and_robustness() -> None:
    cal = Calibration(speed_factor=1.27, samples=4, recent_errors_pct=(-12.5, 3.0, 1.5))
    assert from_json(to_json(cal)) == cal
    json.loads(to_json(cal))  # valid JSON
    for bad in ("", None, "not json", "[1, 2]", "null", '"text"', "{", '{"speed_factor": "x"}',
                '{"speed_factor": -1}', '{"speed_factor": NaN}', b"\xff\xfe"):
        assert from_json(bad) == Calibration()  # type: ignore[arg-type]
    partial = from_json('{"speed_factor": 9.0, "samples": -3, "recent_errors_pct": [1, "a", 2.5, true]}')
    assert partial == Calibration(speed_factor=3.0, samples=0, recent_errors_pct=(1.0, 2.5))
