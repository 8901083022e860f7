"""Tests for schedules.fermentation: the pure bulk-fermentation model and estimator."""

from __future__ import annotations

import csv
import dataclasses
import inspect
import itertools
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedules import fermentation
from schedules.fermentation import (
    BulkEstimate,
    Reading,
    StarterPeak,
    cold_proof_ref_hours,
    cold_proof_rise_pct,
    ctmi,
    estimate_bulk_end,
    fridge_dough_temp_c,
    hours_to_rise,
    max_cold_proof_hours,
    predict_bulk_hours,
    predicted_rise_pct,
    relative_speed,
    rise_along,
    starter_peak_hours,
    suggest_cold_proof_hours,
    target_rise_pct,
    temp_for_relative_speed,
    thermal_hours,
)

TABLE = Path(__file__).resolve().parents[2] / "bench" / "data" / "bulk_times.csv"

STARTERS = (1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0)
TEMPS = (2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 15.0, 17.0, 19.0, 21.0, 23.0, 24.0, 25.0, 27.0, 29.0, 32.0, 35.0)
RISES = (10.0, 25.0, 50.0, 75.0, 100.0, 150.0, 200.0)


# ---------------------------------------------------------------------------------------------
# Signatures: other code calls exactly these names
# ---------------------------------------------------------------------------------------------


def _params(fn: object) -> list[tuple[str, object]]:
    return [(p.name, p.kind) for p in inspect.signature(fn).parameters.values()]


def test_signatures() -> None:
    pos = inspect.Parameter.POSITIONAL_OR_KEYWORD
    kw = inspect.Parameter.KEYWORD_ONLY
    assert _params(target_rise_pct) == [("dough_temp_c", pos)]
    assert _params(predict_bulk_hours) == [
        ("starter_pct", pos),
        ("dough_temp_c", pos),
        ("target_rise_pct", pos),
    ]
    assert _params(predicted_rise_pct) == [("hours", pos), ("starter_pct", pos), ("dough_temp_c", pos)]
    assert _params(estimate_bulk_end) == [
        ("readings", pos),
        ("target_rise_pct", pos),
        ("starter_pct", kw),
        ("dough_temp_c", kw),
        ("prior_hours", kw),
        ("temperatures", kw),
        ("prior_log_sd", kw),
    ]
    sig = inspect.signature(estimate_bulk_end).parameters
    assert sig["starter_pct"].default == 20.0
    assert sig["dough_temp_c"].default is None
    assert sig["prior_hours"].default is None
    assert sig["temperatures"].default is None and sig["prior_log_sd"].default is None
    assert _params(starter_peak_hours) == [
        ("starter", pos),
        ("flour", pos),
        ("water", pos),
        ("temp_c", pos),
    ]
    assert inspect.signature(starter_peak_hours).parameters["temp_c"].default == 23.0
    assert _params(suggest_cold_proof_hours) == [
        ("dough_temp_c", pos),
        ("bulk_hours", pos),
        ("rise_pct", pos),
        ("target_rise_pct", pos),
    ]


def test_dataclasses_are_frozen_with_expected_fields() -> None:
    assert [f.name for f in dataclasses.fields(Reading)] == ["hours", "rise_pct"]
    names = {f.name for f in dataclasses.fields(BulkEstimate)}
    assert {
        "target_rise_pct",
        "eta_hours",
        "low_hours",
        "high_hours",
        "passed",
        "over_fermented",
        "basis",
        "readings_used",
    } <= names
    assert [f.name for f in dataclasses.fields(StarterPeak)] == ["low_hours", "peak_hours", "high_hours"]
    r = Reading(1.0, 10.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.hours = 2.0  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# Target rise
# ---------------------------------------------------------------------------------------------


def test_target_rise_matches_the_sourdough_journey_table() -> None:
    for temp, rise in ((18.0, 100.0), (21.0, 75.0), (24.0, 50.0), (27.0, 30.0)):
        assert target_rise_pct(temp) == pytest.approx(rise, abs=0.5)
    for i in range(0, 91):  # 18-27 °C: within a few points of 240 - 7.83 T
        t = 18.0 + i * 0.1
        assert abs(target_rise_pct(t) - (240.0 - 7.83 * t)) <= 4.0


def test_target_rise_clamped_continuous_and_non_increasing() -> None:
    assert 100.0 <= target_rise_pct(10.0) <= 120.0
    assert 100.0 <= target_rise_pct(-5.0) <= 120.0
    assert 25.0 <= target_rise_pct(32.0) <= 30.0
    assert 25.0 <= target_rise_pct(45.0) <= 30.0
    temps = [0.0 + i * 0.05 for i in range(0, 800)]
    values = [target_rise_pct(t) for t in temps]
    for a, b in itertools.pairwise(values):
        assert b <= a + 1e-9
        assert abs(b - a) < 0.6  # continuous: no jumps on a 0.05 °C grid


# ---------------------------------------------------------------------------------------------
# Bulk time
# ---------------------------------------------------------------------------------------------


def test_predict_bulk_hours_monotonic_on_grid() -> None:
    for t in TEMPS:
        for r in RISES:
            hours = [predict_bulk_hours(s, t, r) for s in STARTERS]
            assert all(b <= a for a, b in itertools.pairwise(hours)), (t, r)
    for s in STARTERS:
        for r in RISES:
            hours = [predict_bulk_hours(s, t, r) for t in TEMPS]
            assert all(b <= a for a, b in itertools.pairwise(hours)), (s, r)
        for t in TEMPS:
            hours = [predict_bulk_hours(s, t, r) for r in RISES]
            assert all(b >= a for a, b in itertools.pairwise(hours)), (s, t)


starter_st = st.floats(0.0, 80.0, allow_nan=False)
temp_st = st.floats(0.0, 40.0, allow_nan=False)  # 2-35 °C and beyond it (clamped)
rise_st = st.floats(1.0, 260.0, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(starter_st, starter_st, temp_st, temp_st, rise_st, rise_st)
def test_predict_bulk_hours_monotonic_property(
    s1: float, s2: float, t1: float, t2: float, r1: float, r2: float
) -> None:
    s_lo, s_hi = sorted((s1, s2))
    t_lo, t_hi = sorted((t1, t2))
    r_lo, r_hi = sorted((r1, r2))
    # More starter, warmer, or a lower target never takes longer.
    assert predict_bulk_hours(s_hi, t_lo, r_hi) <= predict_bulk_hours(s_lo, t_lo, r_hi) + 1e-9
    assert predict_bulk_hours(s_lo, t_hi, r_hi) <= predict_bulk_hours(s_lo, t_lo, r_hi) + 1e-9
    assert predict_bulk_hours(s_lo, t_lo, r_lo) <= predict_bulk_hours(s_lo, t_lo, r_hi) + 1e-9
    h = predict_bulk_hours(s1, t1, r1)
    assert math.isfinite(h) and h > 0


def test_predict_bulk_hours_ranges_and_clamping() -> None:
    # Usual doughs land in the published ballpark.
    assert 4.5 <= predict_bulk_hours(20, 24, 50) <= 7.5
    assert 8.0 <= predict_bulk_hours(20, 21, 75) <= 12.0
    assert 3.0 <= predict_bulk_hours(20, 27, 30) <= 5.5
    # Extremes are finite and not absurd.
    assert 1.0 <= predict_bulk_hours(50, 32, 10) <= 2.5
    assert 24.0 <= predict_bulk_hours(1, 15, 200) <= 120.0
    assert math.isfinite(predict_bulk_hours(1, 2, 200)) and predict_bulk_hours(1, 2, 200) < 1000.0
    # Clamped outside starter 1-50 %, dough 2-35 °C, target 10-200 %.
    assert predict_bulk_hours(0.1, 24, 50) == predict_bulk_hours(1, 24, 50)
    assert predict_bulk_hours(90, 24, 50) == predict_bulk_hours(50, 24, 50)
    assert predict_bulk_hours(20, -5, 50) == predict_bulk_hours(20, 2, 50)
    assert predict_bulk_hours(20, 40, 50) == predict_bulk_hours(20, 35, 50)
    assert predict_bulk_hours(20, 24, 1) == predict_bulk_hours(20, 24, 10)
    assert predict_bulk_hours(20, 24, 400) == predict_bulk_hours(20, 24, 200)
    with pytest.raises(ValueError):
        predict_bulk_hours(float("nan"), 24, 50)


def test_cold_dough_is_not_clamped_to_15_degrees() -> None:
    """5, 10 and 15 °C used to get the same bulk time; each is now clearly slower than the next."""
    h5, h10, h15 = (predict_bulk_hours(20, t, 50) for t in (5.0, 10.0, 15.0))
    assert h5 > 1.5 * h10 and h10 > 2.0 * h15
    assert h15 > 2.0 * predict_bulk_hours(20, 24, 50)


def test_temperature_response_has_the_published_cardinal_points() -> None:
    yeast, lab = fermentation.YEAST_CARDINAL_C, fermentation.LAB_CARDINAL_C
    for cardinal in (yeast, lab):
        t_min, t_opt, t_max = cardinal
        assert ctmi(t_min, *cardinal) == 0.0 and ctmi(t_max, *cardinal) == 0.0
        assert ctmi(t_opt, *cardinal) == pytest.approx(1.0)
        assert ctmi(t_min - 5, *cardinal) == 0.0 and ctmi(t_max + 5, *cardinal) == 0.0
    # Gänzle et al. 1998: generation time doubled at 20 °C, quadrupled at 14 (yeast) / 15 °C (LAB).
    assert 0.4 <= ctmi(20.0, *yeast) <= 0.7 and 0.15 <= ctmi(14.0, *yeast) <= 0.35
    assert 0.4 <= ctmi(20.0, *lab) <= 0.6 and 0.18 <= ctmi(15.0, *lab) <= 0.32
    assert 0.2 <= ctmi(34.0, *yeast) <= 0.4 and 0.4 <= ctmi(39.0, *lab) <= 0.6


def test_temperature_response_over_2_to_35_degrees() -> None:
    temps = [2.0 + 0.05 * i for i in range(661)]
    speeds = [relative_speed(t) for t in temps]
    assert relative_speed(24.0) == pytest.approx(1.0)
    assert all(v > 0 and math.isfinite(v) for v in speeds)
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(speeds))  # colder is never faster
    # Strictly faster from the LAB's growth minimum up to the optimum (about 29 °C), flat above.
    rising = [relative_speed(t) for t in (4.5, 6.0, 8.0, 10.0, 15.0, 20.0, 24.0, 27.0, 28.5)]
    assert all(b > a for a, b in itertools.pairwise(rising))
    assert relative_speed(35.0) == relative_speed(31.0) == pytest.approx(max(speeds))
    # Steeper in the cold than in the warm; the dough charts' Q10 of 2-3.5 at 15-28 °C.
    q10 = {lo: relative_speed(lo + 10.0) / relative_speed(lo) for lo in (5.0, 10.0, 15.0, 18.0, 20.0)}
    assert 2.0 <= q10[15.0] <= 3.5 and 2.0 <= q10[18.0] <= 3.5
    assert q10[5.0] > 3.5 and q10[10.0] > q10[15.0] > q10[18.0] > q10[20.0]
    # Near fridge temperature fermentation nearly stops: "a 4 °C fridge ~10-13x slower than 24 °C".
    assert 10.0 <= 1.0 / relative_speed(4.0) <= 16.0
    assert relative_speed(2.0) <= relative_speed(4.0)
    for ratio in (0.1, 0.5, 1.0, 1.1):
        t = temp_for_relative_speed(ratio)
        assert relative_speed(t) == pytest.approx(ratio, rel=1e-6)
    assert temp_for_relative_speed(0.0) == 2.0
    assert relative_speed(temp_for_relative_speed(9.0)) == pytest.approx(max(speeds))


def test_cold_proof_cools_the_loaf_and_keeps_fermenting() -> None:
    assert fridge_dough_temp_c(0.0, 24.0, 4.0) == 24.0
    assert fridge_dough_temp_c(2.5, 24.0, 4.0) == pytest.approx(4.0 + 20.0 / math.e)
    assert abs(fridge_dough_temp_c(10.0, 24.0, 4.0) - 4.0) < 0.5  # "~10 h to cool through"
    # sourdough.md: at 10 °C about 8 h at most, at 6 °C up to about 18 h: the same fermentation.
    assert max_cold_proof_hours(24.0, 10.0) == pytest.approx(8.0, abs=0.05)
    assert 16.0 <= max_cold_proof_hours(24.0, 6.0) <= 20.0
    assert 18.0 <= max_cold_proof_hours(24.0, 4.0) <= 30.0
    # Warm dough ferments more while it cools: it can stay less.
    assert max_cold_proof_hours(27.0, 4.0) < max_cold_proof_hours(24.0, 4.0) < max_cold_proof_hours(20.0, 4.0)
    # "Much of the cold-proof fermentation happens in the first ~4 h."
    share = cold_proof_ref_hours(24.0, 4.0, 4.0) / cold_proof_ref_hours(24.0, 4.0, 12.0)
    assert 0.6 <= share <= 0.8
    # Longer, warmer fridges and warmer dough all ferment more; the rise keeps climbing.
    hours = [cold_proof_ref_hours(24.0, 4.0, h) for h in (0.0, 1.0, 4.0, 8.0, 16.0, 24.0)]
    assert hours[0] == 0.0 and all(b > a for a, b in itertools.pairwise(hours))
    assert cold_proof_ref_hours(24.0, 6.0, 12.0) > cold_proof_ref_hours(24.0, 4.0, 12.0)
    assert cold_proof_ref_hours(27.0, 4.0, 12.0) > cold_proof_ref_hours(24.0, 4.0, 12.0)
    rises = [cold_proof_rise_pct(20.0, 50.0, 24.0, 4.0, h) for h in (0.0, 4.0, 12.0, 24.0)]
    assert rises[0] == pytest.approx(50.0, abs=0.5) and all(b > a for a, b in itertools.pairwise(rises))
    assert 60.0 <= rises[2] <= 110.0
    slow = cold_proof_rise_pct(20.0, 50.0, 24.0, 4.0, 12.0, pace=1.5)
    assert 50.0 < slow < rises[2]


def test_thermal_time_integrates_the_logged_temperatures() -> None:
    # A constant time line is the constant-temperature model.
    assert thermal_hours([(0.0, 24.0)], 6.0) == pytest.approx(6.0)
    assert thermal_hours([(0.0, 20.0)], 5.0) == pytest.approx(5.0 * relative_speed(20.0))
    h = predict_bulk_hours(20.0, 21.0, 60.0)
    assert hours_to_rise(20.0, 60.0, [(0.0, 21.0)]) == pytest.approx(h, rel=1e-6)
    assert rise_along(h, 20.0, [(0.0, 21.0)]) == pytest.approx(60.0, rel=1e-6)
    # A kitchen that warms from 20 to 26 °C over the bake: between the two constant predictions,
    # and not the latest temperature applied to the whole bake.
    warming = [(0.0, 20.0), (3.0, 23.0), (6.0, 26.0)]
    at20, at26 = (predict_bulk_hours(20.0, t, 50.0) for t in (20.0, 26.0))
    eta = hours_to_rise(20.0, 50.0, warming)
    assert at26 < eta < at20 and abs(eta - at26) > 0.3
    assert rise_along(eta, 20.0, warming) == pytest.approx(50.0, rel=1e-6)
    # Slower dough, proportionally more thermal time; start and end points of an interval.
    assert hours_to_rise(20.0, 50.0, warming, pace=1.3) > eta
    assert thermal_hours(warming, 6.0, start_hours=3.0) == pytest.approx(
        thermal_hours(warming, 6.0) - thermal_hours(warming, 3.0)
    )
    assert thermal_hours(warming, 4.0, start_hours=4.0) == 0.0


def test_halving_the_starter_adds_roughly_constant_hours() -> None:
    h = {s: predict_bulk_hours(s, 24, 50) for s in (5.0, 10.0, 20.0)}
    add1, add2 = h[10.0] - h[20.0], h[5.0] - h[10.0]
    assert add1 > 0 and add2 > 0
    assert 0.5 <= add2 / add1 <= 2.0  # roughly constant, not doubling the time
    assert h[5.0] < 2.5 * h[20.0]


def test_rise_curve_is_the_inverse_of_bulk_hours() -> None:
    for s in (1.0, 5.0, 20.0, 50.0):
        for t in (15.0, 20.0, 24.0, 28.0, 32.0):
            assert predicted_rise_pct(0.0, s, t) == pytest.approx(0.0, abs=1e-9)
            for r in (10.0, 30.0, 50.0, 100.0, 200.0):
                hours = predict_bulk_hours(s, t, r)
                assert predicted_rise_pct(hours, s, t) == pytest.approx(r, rel=1e-6)
            curve = [predicted_rise_pct(i * 0.25, s, t) for i in range(0, 200)]
            assert all(b >= a for a, b in itertools.pairwise(curve))


def _table() -> list[dict[str, str]]:
    with TABLE.open(newline="") as f:
        return list(csv.DictReader(f))


def _mape(rows: list[dict[str, str]]) -> float:
    errs = [
        abs(
            predict_bulk_hours(float(r["starter_pct"]), float(r["dough_temp_c"]), float(r["rise_pct"]))
            - float(r["hours"])
        )
        / float(r["hours"])
        for r in rows
    ]
    return 100.0 * sum(errs) / len(errs)


def test_published_table_shape() -> None:
    rows = _table()
    assert len(rows) >= 15
    assert set(rows[0]) == {"starter_pct", "dough_temp_c", "rise_pct", "hours", "source", "split"}
    assert {r["split"] for r in rows} == {"fit", "holdout"}
    assert all(r["source"].strip() for r in rows)


def test_model_mape_on_published_table() -> None:
    rows = _table()
    fit = [r for r in rows if r["split"] == "fit"]
    stated = [r for r in rows if "NOT stated" not in r["source"]]
    assert _mape(fit) < 15.0
    # Every row whose source states the starter amount, fit and holdout alike.
    assert _mape(stated) < 15.0
    # All rows, including the quick-reference chart whose starter % is not given (20 % assumed):
    # that chart runs 20-60 % faster than every source that states its inoculation, and no
    # single model with a Q10 >= 2 fits both. Measured 16.4 %; keep it from getting worse.
    assert _mape(rows) < 17.5


# ---------------------------------------------------------------------------------------------
# Estimator
# ---------------------------------------------------------------------------------------------


def test_estimator_falls_back_to_the_prior_with_fewer_than_two_readings() -> None:
    model = predict_bulk_hours(20, 24, 50)
    for readings in ([], [Reading(1.0, 3.0)], [Reading(1.0, 3.0), Reading(float("nan"), 5.0)]):
        est = estimate_bulk_end(readings, 50, starter_pct=20, dough_temp_c=24)
        assert est.basis == "prior"
        assert est.eta_hours == pytest.approx(model)
        assert est.low_hours == pytest.approx(model / math.exp(0.2))  # about -18 %
        assert est.high_hours == pytest.approx(model * math.exp(0.2))  # about +22 %
        assert not est.passed and not est.over_fermented
        assert est.readings_used == len([r for r in readings if math.isfinite(r.hours)])
    est = estimate_bulk_end([], 50, starter_pct=20, dough_temp_c=24, prior_hours=8.0)
    assert est.eta_hours == pytest.approx(8.0)
    assert (est.low_hours, est.high_hours) == pytest.approx((8.0 / math.exp(0.2), 8.0 * math.exp(0.2)))
    # dough temperature unknown: 24 °C assumed
    assert estimate_bulk_end([], 50).eta_hours == pytest.approx(model)


def _simulated_readings(
    rng: random.Random, pace: float, starter: float, temp: float, until: float
) -> list[Reading]:
    out = []
    t = rng.uniform(0.5, 1.0)
    while t < until:
        true = predicted_rise_pct(t / pace, starter, temp)
        out.append(Reading(t, max(0.0, true + rng.uniform(-5.0, 5.0))))
        t += rng.uniform(0.5, 1.5)
    return out


def test_estimator_converges_on_simulated_noisy_bakes() -> None:
    rng = random.Random(7)
    checked = 0
    for _ in range(40):
        pace = math.exp(rng.gauss(0.0, 0.25))
        starter = rng.choice((10.0, 20.0))
        temp = rng.uniform(21.0, 26.0)
        target = target_rise_pct(temp)
        truth = pace * predict_bulk_hours(starter, temp, target)
        readings = _simulated_readings(rng, pace, starter, temp, until=0.9 * truth)
        # once the readings are past the start of the rise, the fitted pace lands on the truth
        if len(readings) < 4 or readings[-1].rise_pct < 0.6 * target:
            continue
        checked += 1
        est = estimate_bulk_end(readings, target, starter_pct=starter, dough_temp_c=temp)
        assert est.basis == "readings" and not est.passed
        assert abs(est.eta_hours - truth) / truth < 0.08
        assert abs(est.pace_factor - pace) / pace < 0.08
        assert est.low_hours <= est.eta_hours <= est.high_hours
        assert est.low_hours >= readings[-1].hours
    assert checked >= 20


def test_band_narrows_as_readings_accumulate_and_approach_the_target() -> None:
    pace, starter, temp = 1.25, 20.0, 24.0
    target = 50.0
    truth = pace * predict_bulk_hours(starter, temp, target)
    times = [0.75 + 0.5 * i for i in range(int(truth / 0.5))]
    readings = [Reading(t, predicted_rise_pct(t / pace, starter, temp)) for t in times if t < truth]
    prior = estimate_bulk_end([], target, starter_pct=starter, dough_temp_c=temp)
    widths = [prior.high_hours - prior.low_hours]
    relative = [widths[0] / prior.eta_hours]
    for n in range(2, len(readings) + 1):
        est = estimate_bulk_end(readings[:n], target, starter_pct=starter, dough_temp_c=temp)
        widths.append(est.high_hours - est.low_hours)
        relative.append(widths[-1] / est.eta_hours)
    # Relative to the ETA the band never widens; in hours it ends far narrower than the prior's.
    assert all(b <= a + 1e-6 for a, b in itertools.pairwise(relative)), relative
    assert widths[-1] < 0.4 * widths[0]
    assert widths[-1] < widths[len(widths) // 2] < max(widths[:3])
    final = estimate_bulk_end(readings, target, starter_pct=starter, dough_temp_c=temp)
    assert final.eta_hours == pytest.approx(truth, rel=0.05)
    assert final.pace_factor == pytest.approx(pace, rel=0.05)


def test_estimator_copes_with_non_monotonic_readings() -> None:
    readings = [Reading(1, 2), Reading(2, 9), Reading(3, 6), Reading(4, 24), Reading(5, 21), Reading(6, 38)]
    est = estimate_bulk_end(readings, 60, starter_pct=20, dough_temp_c=23)
    assert est.basis == "readings" and est.readings_used == 6
    assert not est.passed and not est.over_fermented
    assert 6.0 < est.eta_hours < 9.5
    assert est.low_hours <= est.eta_hours <= est.high_hours


def test_passed_target_is_interpolated() -> None:
    readings = [Reading(1, 5), Reading(2, 20), Reading(3, 40), Reading(4, 60)]
    est = estimate_bulk_end(readings, 50, starter_pct=20, dough_temp_c=24)
    assert est.passed and not est.over_fermented
    assert est.eta_hours == pytest.approx(3.5)
    assert est.low_hours == pytest.approx(3.0) and est.high_hours == pytest.approx(4.0)
    assert est.basis == "readings"


def test_over_fermented_well_past_target() -> None:
    readings = [Reading(2, 20), Reading(4, 45), Reading(6, 70)]
    est = estimate_bulk_end(readings, 50, starter_pct=20, dough_temp_c=24)
    assert est.passed and est.over_fermented  # 70 >= 1.3 x 50
    assert 4.0 < est.eta_hours < 6.0


def test_collapse_after_a_peak_is_over_fermentation() -> None:
    readings = [Reading(2, 20), Reading(4, 55), Reading(5, 72), Reading(6, 58), Reading(7, 45)]
    est = estimate_bulk_end(readings, 60, starter_pct=20, dough_temp_c=24)
    assert est.passed and est.over_fermented
    assert 4.0 < est.eta_hours < 5.0
    # Collapsed before ever reaching the target: not passed, but over-fermented; eta = the peak.
    low = [Reading(2, 20), Reading(4, 40), Reading(5, 48), Reading(6, 35)]
    est = estimate_bulk_end(low, 75, starter_pct=20, dough_temp_c=21)
    assert not est.passed and est.over_fermented
    assert est.eta_hours == pytest.approx(5.0)


def test_single_noisy_spike_does_not_count_as_passed() -> None:
    # A small overshoot followed by lower readings that keep climbing is noise, not a crossing.
    readings = [Reading(1, 3), Reading(2, 20), Reading(3, 51), Reading(4, 42), Reading(5, 44)]
    est = estimate_bulk_end(readings, 50, starter_pct=20, dough_temp_c=24)
    assert not est.passed
    assert est.eta_hours > 5.0


def test_estimator_ignores_unusable_readings_and_rejects_bad_targets() -> None:
    readings = [
        Reading(float("nan"), 10),
        Reading(-1, 10),
        Reading(2, float("inf")),
        Reading(3, 15),
        Reading(4, 25),
    ]
    est = estimate_bulk_end(readings, 50, starter_pct=20, dough_temp_c=24)
    assert est.readings_used == 2 and est.basis == "readings"
    for bad in (0.0, -5.0, float("nan")):
        with pytest.raises(ValueError):
            estimate_bulk_end([], bad)


def test_prior_hours_centre_the_fit() -> None:
    readings = [Reading(1.0, 1.0), Reading(1.5, 2.0)]  # early, uninformative
    slow = estimate_bulk_end(readings, 50, starter_pct=20, dough_temp_c=24, prior_hours=9.0)
    fast = estimate_bulk_end(readings, 50, starter_pct=20, dough_temp_c=24, prior_hours=5.0)
    assert slow.eta_hours > fast.eta_hours
    assert 7.0 < slow.eta_hours < 10.0


# ---------------------------------------------------------------------------------------------
# Starter peak
# ---------------------------------------------------------------------------------------------


def test_starter_peak_matches_sourdough_md() -> None:
    cases = {(1, 1, 1): (4.0, 6.0), (1, 2, 2): (6.0, 8.0), (1, 5, 5): (10.0, 12.0), (1, 10, 10): (11.0, 13.0)}
    for feed, (lo, hi) in cases.items():
        p = starter_peak_hours(*feed)
        assert lo <= p.peak_hours <= hi, feed
        assert p.low_hours < p.peak_hours < p.high_hours
        assert p.low_hours >= lo - 0.5 and p.high_hours <= hi + 0.5
    assert starter_peak_hours(1, 10, 10).peak_hours == pytest.approx(12.0, abs=0.5)
    # units do not matter
    assert starter_peak_hours(50, 100, 100) == starter_peak_hours(1, 2, 2)


def test_starter_peak_warmer_is_faster_and_more_dilution_is_slower() -> None:
    for feed in ((1, 1, 1), (1, 4, 4), (1, 10, 10)):
        peaks = [starter_peak_hours(*feed, temp_c=t).peak_hours for t in (18, 20, 23, 25, 28, 30)]
        assert all(b < a for a, b in itertools.pairwise(peaks))
    ratios = [starter_peak_hours(1, r, r).peak_hours for r in (0.5, 1, 2, 3, 5, 8, 10, 20)]
    assert all(b > a for a, b in itertools.pairwise(ratios))
    # "1:4:4 peaks in about 8 h at 20 °C and 5-6 h at 24-25 °C" for one baker: the ratio holds.
    ratio = starter_peak_hours(1, 4, 4, 20.0).peak_hours / starter_peak_hours(1, 4, 4, 24.5).peak_hours
    assert 1.2 <= ratio <= 1.7


@pytest.mark.parametrize(
    "feed", [(0, 1, 1), (1, 0, 1), (1, 1, 0), (-1, 1, 1), (1, -2, 2), (1, 1, float("nan"))]
)
def test_starter_peak_rejects_non_positive(feed: tuple[float, float, float]) -> None:
    with pytest.raises(ValueError):
        starter_peak_hours(*feed)


# ---------------------------------------------------------------------------------------------
# Cold proof
# ---------------------------------------------------------------------------------------------


def test_cold_proof_classic_range_and_rounding() -> None:
    typical = suggest_cold_proof_hours(24.0, 6.0, 50.0, 50.0)
    assert 12.0 <= typical <= 16.0
    for temp in (10.0, 18.0, 24.0, 30.0, 40.0):
        for bulk in (0.5, 3.0, 8.0, 20.0):
            for rise in (None, 10.0, 50.0, 150.0):
                h = suggest_cold_proof_hours(temp, bulk, rise)
                assert 8.0 <= h <= 24.0
                assert (h * 2.0) == int(h * 2.0)


def test_cold_proof_warmer_or_further_risen_is_never_longer() -> None:
    temps = [16.0 + 0.5 * i for i in range(31)]
    for bulk in (3.0, 6.0, 12.0):
        for rise, target in ((None, None), (50.0, None), (50.0, 50.0), (80.0, 60.0)):
            hours = [suggest_cold_proof_hours(t, bulk, rise, target) for t in temps]
            assert all(b <= a for a, b in itertools.pairwise(hours)), (bulk, rise, target)
    for temp in (20.0, 24.0, 27.0):
        for target in (None, 50.0):
            hours = [suggest_cold_proof_hours(temp, 6.0, r, target) for r in range(0, 160, 5)]
            assert all(b <= a for a, b in itertools.pairwise(hours)), (temp, target)
    # a faster bulk (livelier dough) is not given longer either
    hours = [suggest_cold_proof_hours(24.0, b, 50.0, 50.0) for b in (12.0, 8.0, 6.0, 4.0, 2.0)]
    assert all(b <= a for a, b in itertools.pairwise(hours))


# ---------------------------------------------------------------------------------------------
# The estimator on thermal time, and the prior's spread
# ---------------------------------------------------------------------------------------------


def test_estimator_reads_the_readings_on_thermal_time() -> None:
    """A kitchen that warmed from 20 to 26 °C: with the logged temperatures the fitted pace is the
    dough's own; with only the latest temperature the same readings look like a slow dough."""
    warming = [(0.0, 20.0), (2.0, 22.0), (4.0, 26.0)]
    pace, target = 1.1, 50.0
    truth = hours_to_rise(20.0, target, warming, pace)
    times = (2.0, 3.0, 4.0, 5.0, 6.0)
    readings = [Reading(t, rise_along(t, 20.0, warming, pace)) for t in times if t < truth]
    assert len(readings) >= 3
    with_line = estimate_bulk_end(readings, target, starter_pct=20, dough_temp_c=26, temperatures=warming)
    latest_only = estimate_bulk_end(readings, target, starter_pct=20, dough_temp_c=26)
    assert with_line.pace_factor == pytest.approx(pace, rel=0.05)
    assert abs(with_line.eta_hours - truth) < 0.05 * truth
    assert abs(with_line.eta_hours - truth) < abs(latest_only.eta_hours - truth)
    assert latest_only.pace_factor > 1.25  # blamed the cool start on the dough
    assert with_line.low_hours <= with_line.eta_hours <= with_line.high_hours
    # Before any reading the prior follows the time line too (the last temperature from then on).
    prior = estimate_bulk_end([], target, starter_pct=20, dough_temp_c=26, temperatures=warming)
    assert prior.eta_hours == pytest.approx(hours_to_rise(20.0, target, warming), rel=1e-6)


def test_prior_spread_sets_the_band_and_the_pull_of_the_prior() -> None:
    tight = estimate_bulk_end([], 50, starter_pct=20, dough_temp_c=24, prior_log_sd=0.08)
    default = estimate_bulk_end([], 50, starter_pct=20, dough_temp_c=24)
    wide = estimate_bulk_end([], 50, starter_pct=20, dough_temp_c=24, prior_log_sd=0.35)
    width = [e.high_hours - e.low_hours for e in (tight, default, wide)]
    assert width[0] < width[1] < width[2]
    assert tight.high_hours / tight.eta_hours == pytest.approx(math.exp(0.08))
    # Early readings from a dough 40 % slower than the prior: a baker whose bakes are steady
    # (tight prior) keeps nearer the prior; an erratic one follows the readings sooner.
    slow = [Reading(t, predicted_rise_pct(t / 1.4, 20, 24)) for t in (2.0, 3.0, 3.5)]
    held = estimate_bulk_end(slow, 50, starter_pct=20, dough_temp_c=24, prior_log_sd=0.08)
    follows = estimate_bulk_end(slow, 50, starter_pct=20, dough_temp_c=24, prior_log_sd=0.35)
    assert held.pace_factor < follows.pace_factor <= 1.45
    for bad in (None, 0.0, -1.0, float("nan")):
        assert estimate_bulk_end([], 50, prior_log_sd=bad).high_hours == pytest.approx(default.high_hours)
