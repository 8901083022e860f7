"""Tests for schedules.calibration: per-baker learning of the model's pace."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import random
import statistics

import pytest

from schedules.calibration import (
    Calibration,
    calibrated_hours,
    from_json,
    learning_weight,
    prediction_window,
    prior_log_sd,
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


def _slow_baker(rng: random.Random, bakes: int) -> Calibration:
    cal = Calibration()
    for _bake in range(bakes):
        starter = rng.choice((10.0, 15.0, 20.0, 25.0))
        temp = rng.uniform(20.0, 27.0)
        model = predict_bulk_hours(starter, temp, target_rise_pct(temp))
        actual = 1.3 * model * math.exp(rng.gauss(0.0, 0.05))
        cal = update_calibration(cal, model, actual)
    assert cal.samples == bakes
    return cal


def test_slow_baker_converges_within_three_bakes() -> None:
    """A baker whose dough is 30 % slower than the model, with bake-to-bake noise (seeded). The
    learning shrinks toward the model, so it gets there a little later than a plain average."""
    model = predict_bulk_hours(20.0, 24.0, 50.0)
    truth = 1.3 * model
    for bakes, median_limit, worst_limit in ((3, 0.06, 0.12), (5, 0.05, 0.10)):
        rng = random.Random(1234)
        errors = [abs(calibrated_hours(_slow_baker(rng, bakes), model) - truth) / truth for _ in range(25)]
        assert statistics.median(errors) < median_limit, bakes
        assert max(errors) < worst_limit, bakes
    # Three identical bakes: the factor reads as the truth to one decimal (the /settings line).
    cal = Calibration()
    for _ in range(3):
        cal = update_calibration(cal, 6.0, 7.8)
    assert f"{cal.speed_factor:.1f}" == "1.3"


def test_learning_shrinks_toward_the_model_and_one_odd_bake_moves_it_at_most_halfway() -> None:
    # The first bake moves the factor halfway (in log space) from the model to what it showed.
    cal = update_calibration(Calibration(), 6.0, 7.8)
    assert math.log(cal.speed_factor) == pytest.approx(0.5 * math.log(1.3))
    assert cal.samples == 1
    weights = [learning_weight(n) for n in range(12)]
    assert weights[0] == pytest.approx(0.5)
    assert all(0.4 < w <= 0.5 for w in weights) and all(b <= a for a, b in itertools.pairwise(weights))
    # Whatever the history and however odd the bake, it moves the factor at most halfway...
    for samples in (0, 1, 3, 20):
        for factor in (0.7, 1.0, 1.4):
            for ratio in (0.34, 0.6, 0.9, 1.1, 1.7, 2.9):
                before = Calibration(speed_factor=factor, samples=samples)
                after = update_calibration(before, 5.0, 5.0 * ratio)
                observed = min(max(ratio, 0.33), 3.0)
                moved = math.log(after.speed_factor / factor)
                assert abs(moved) <= 0.5 * abs(math.log(observed / factor)) + 1e-9
                assert moved * math.log(observed / factor) >= 0  # ...and toward what it showed
    # ...and after a consistent history an odd bake (twice as long) moves it far less.
    steady = Calibration(speed_factor=1.0, samples=20)
    moved = update_calibration(steady, 5.0, 10.0)
    assert 0.1 * math.log(2.0) < math.log(moved.speed_factor) < 0.35 * math.log(2.0)
    # A bake that agrees with the history counts in full.
    near = update_calibration(steady, 5.0, 5.5)
    assert math.log(near.speed_factor) == pytest.approx(learning_weight(20) * math.log(1.1))


def test_factor_is_clamped_and_absurd_inputs_ignored() -> None:
    assert 1.0 < update_calibration(Calibration(), 5.0, 100.0).speed_factor < math.sqrt(3.0) + 1e-9
    assert math.sqrt(0.33) - 1e-9 < update_calibration(Calibration(), 10.0, 1.0).speed_factor < 1.0
    extreme = Calibration(speed_factor=2.9, samples=4)
    for _ in range(30):
        extreme = update_calibration(extreme, 5.0, 100.0)
    assert extreme.speed_factor == pytest.approx(3.0)
    cal = Calibration(speed_factor=1.2, samples=2, recent_errors_pct=(5.0,))
    for model, actual in ((0.0, 5.0), (5.0, 0.0), (-1.0, 5.0), (5.0, -2.0), (float("nan"), 5.0),
                          (5.0, float("inf")), (5.0, 1000.0)):
        assert update_calibration(cal, model, actual) is cal


def test_prior_spread_comes_from_the_bakers_history() -> None:
    assert prior_log_sd(Calibration()) == pytest.approx(0.20)
    steady = Calibration(speed_factor=1.2, samples=5, recent_errors_pct=(2.0, -1.5, 1.0, -2.0, 0.5))
    erratic = Calibration(speed_factor=1.2, samples=5, recent_errors_pct=(30.0, -25.0, 35.0, -20.0, 28.0))
    assert 0.08 <= prior_log_sd(steady) < 0.14 < 0.20 < prior_log_sd(erratic) <= 0.35
    # one bake says little: still near the default
    assert 0.15 < prior_log_sd(Calibration(samples=1, recent_errors_pct=(1.0,))) < 0.20
    assert prior_log_sd(Calibration(samples=1, recent_errors_pct=(-99.5,))) == pytest.approx(0.20)


def test_recent_errors_are_signed_and_bounded() -> None:
    cal = update_calibration(Calibration(), 10.0, 13.0)
    # the uncalibrated prediction (10 h) came 3 h short of 13 h: -23 %
    assert cal.recent_errors_pct == pytest.approx((-23.1,), abs=0.05)
    cal = update_calibration(cal, 10.0, 13.0)
    # it now predicts halfway (11.4 h): the error halves in log space
    assert cal.recent_errors_pct[-1] == pytest.approx(-12.3, abs=0.1)
    for _ in range(5):
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
