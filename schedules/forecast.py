"""Where a bake's bulk stands and what this baker's dough will do: the model applied to one bake.

Pure: takes the baker, the bake and its readings, returns predictions and plans. The services
call it inside their transactions; charts and replies render what it returns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from schedules import calibration as calib
from schedules import fermentation as model
from schedules.planner import BulkSettings
from schedules.types import Bake, BakeEvent, EventKind, RiseReading, TargetRule, TempReading, User

DEFAULT_STARTER_PCT = 20.0


class Basis:
    PRIOR = "prior"
    READINGS = "readings"


@dataclass(frozen=True)
class Prediction:
    target_rise_pct: float
    eta: datetime
    window: tuple[datetime, datetime]
    basis: str  # "prior" or "readings"
    passed: bool = False
    over_fermented: bool = False
    pace_factor: float = 1.0  # time-scale vs the uncalibrated model (1.3 = 30 % slower)
    starter_pct: float = DEFAULT_STARTER_PCT
    dough_temp_c: float = 24.0
    temperatures: tuple[tuple[float, float], ...] = ()  # the logged (hours since mixing, °C)

    def rise_at(self, hours: float) -> float:
        """The predicted rise curve (for charts), consistent with the ETA."""
        if self.temperatures:
            return model.rise_along(hours, self.starter_pct, self.temperatures, self.pace_factor)
        return model.predicted_rise_pct(hours / self.pace_factor, self.starter_pct, self.dough_temp_c)


@dataclass(frozen=True)
class Prior:
    model_hours: float  # the uncalibrated model
    hours: float  # adjusted to this baker
    window: tuple[float, float]


def calibration_of(user: User) -> calib.Calibration:
    return calib.from_json(user.calibration) if user.calibration else calib.Calibration()


def target_for(user: User, dough_temp_c: float) -> float:
    if user.target_rule == TargetRule.FIXED and user.target_fixed_pct:
        return user.target_fixed_pct
    return round(model.target_rise_pct(dough_temp_c))


def starter_vigour(bake: Bake) -> float:
    """How the bake's starter's learned pace stretches the model's time (1.2: it peaks, and so
    leavens, a fifth slower than the book; 1 when unknown). The per-baker factor then learns
    what is left, since `lesson` counts this in the model's hours too."""
    factor = bake.starter_factor
    return factor if factor is not None and 0.2 <= factor <= 5.0 else 1.0


def prior(user: User, bake: Bake, dough_temp_c: float, target: float) -> Prior:
    """Bulk hours before any reading: the model with the bake's starter's pace, then this
    baker's speed factor."""
    starter = bake.starter_pct or DEFAULT_STARTER_PCT
    model_hours = model.predict_bulk_hours(starter, dough_temp_c, target) * starter_vigour(bake)
    cal = calibration_of(user)
    hours = calib.calibrated_hours(cal, model_hours)
    return Prior(model_hours, hours, calib.prediction_window(cal, hours))


def bulk_settings(user: User, bake: Bake) -> BulkSettings:
    folds = bake.folds_count if bake.folds_count is not None else user.folds_count
    interval = bake.fold_interval_min or user.fold_interval_min
    checks = user.rise_check_interval_min
    return BulkSettings(
        folds_count=folds,
        fold_interval=timedelta(minutes=interval),
        rise_check_interval=timedelta(minutes=checks) if checks > 0 else None,
    )


def time_line(bake: Bake, temperatures: Sequence[TempReading]) -> tuple[tuple[float, float], ...]:
    """The bake's logged temperatures as (hours since mixing, °C), its dough temperature at
    mixing first when nothing was logged then."""
    points = [((t.taken_at - bake.started_at).total_seconds() / 3600, t.temp_c) for t in temperatures]
    if bake.dough_temp_c is not None and not any(h <= 0.01 for h, _ in points):
        points.insert(0, (0.0, bake.dough_temp_c))
    return tuple(sorted(points))


def predict(
    user: User,
    bake: Bake,
    readings: Sequence[RiseReading],
    temperature: float | None,
    temperatures: Sequence[TempReading] = (),
) -> Prediction | None:
    """The live estimate for a bake in bulk, from its own readings when it has some. With the
    logged `temperatures` the readings and the ETA are read on thermal time (the last
    temperature holds from then on); the baker's history sets the prior's spread."""
    if temperature is None or not bake.in_bulk:
        return None
    target = bake.target_rise_pct or target_for(user, temperature)
    before = prior(user, bake, temperature, target)
    points = [
        model.Reading(hours=(r.taken_at - bake.started_at).total_seconds() / 3600, rise_pct=r.rise_pct)
        for r in readings
    ]
    starter = bake.starter_pct or DEFAULT_STARTER_PCT
    line = time_line(bake, temperatures) if temperatures else ()
    estimate = model.estimate_bulk_end(
        points,
        target,
        starter_pct=starter,
        dough_temp_c=temperature,
        prior_hours=before.hours,
        temperatures=line or None,
        prior_log_sd=calib.prior_log_sd(calibration_of(user)),
    )
    low, high = before.window if estimate.basis == Basis.PRIOR else (estimate.low_hours, estimate.high_hours)
    start = bake.started_at
    return Prediction(
        target_rise_pct=target,
        eta=start + timedelta(hours=estimate.eta_hours),
        window=(start + timedelta(hours=low), start + timedelta(hours=high)),
        basis=estimate.basis,
        passed=estimate.passed,
        over_fermented=estimate.over_fermented,
        pace_factor=estimate.pace_factor,
        starter_pct=starter,
        dough_temp_c=temperature,
        temperatures=line,
    )


@dataclass(frozen=True)
class Lesson:
    """What one finished bake teaches: the model's hours at the rise reached, and the real ones."""

    model_hours: float
    actual_hours: float


def lesson(
    bake: Bake,
    readings: Sequence[RiseReading],
    temperature: float | None,
    temperatures: Sequence[TempReading] = (),
) -> Lesson | None:
    """Compare the real bulk time with the model's, at the rise the baker actually reached (along
    the logged temperatures when there are some: the model's hours at their mean speed)."""
    if temperature is None or bake.bulk_ended_at is None:
        return None
    actual_hours = (bake.bulk_ended_at - bake.started_at).total_seconds() / 3600
    reached_values = [r.rise_pct for r in readings if r.taken_at <= bake.bulk_ended_at]
    reached = max(reached_values) if reached_values else bake.target_rise_pct
    if not reached or reached < 10 or actual_hours < 0.5:
        return None  # nothing to learn from (no rise known, or bulk cut short)
    starter = bake.starter_pct or DEFAULT_STARTER_PCT
    if temperatures:
        line = time_line(bake, temperatures)
        hours = model.model_hours_along(starter, reached, line, actual_hours)
    else:
        hours = model.predict_bulk_hours(starter, temperature, reached)
    return Lesson(hours * starter_vigour(bake), actual_hours)


def learn(cal: calib.Calibration, taught: Lesson) -> tuple[float, calib.Calibration]:
    """(how far the baker's prediction was off, in % of the real time; the updated calibration)."""
    predicted = calib.calibrated_hours(cal, taught.model_hours)
    error_pct = (predicted - taught.actual_hours) / taught.actual_hours * 100.0
    return error_pct, calib.update_calibration(cal, taught.model_hours, taught.actual_hours)


def suggest_cold_proof(bake: Bake, now: datetime, latest_rise: float | None, temp_c: float | None) -> float:
    bulk_hours = (now - bake.started_at).total_seconds() / 3600
    return model.suggest_cold_proof_hours(
        temp_c if temp_c is not None else 24.0, bulk_hours, latest_rise, bake.target_rise_pct
    )


def latest_temperature(bake: Bake, temperatures: Sequence[float]) -> float | None:
    return temperatures[-1] if temperatures else bake.dough_temp_c


# ---------------------------------------------------------------- rise checks

QUICK_RISES = (25, 50, 75, 100)  # a rise check's values when nothing is predicted
RISE_CHOICE_MAX = 300  # the highest rise a button can log


def expected_rise(
    prediction: Prediction | None, bake: Bake, now: datetime, readings: Sequence[RiseReading] = ()
) -> float | None:
    """The rise the model expects of this bake by `now` (on its own readings' pace once it has
    two), and never less than the latest reading: dough in bulk doesn't sink back. None
    without a prediction."""
    hours = (now - bake.started_at).total_seconds() / 3600
    if prediction is None or hours <= 0:
        return None
    rise = prediction.rise_at(hours)
    if not math.isfinite(rise) or rise < 0:
        return None
    latest = max(readings, key=lambda r: r.taken_at).rise_pct if readings else 0.0
    return max(rise, latest)


def rise_choices(expected: float | None) -> tuple[int, ...]:
    """Four quick values for a rise check, multiples of 5 around what the model expects: the two
    either side of it and about a third below and above (38 % → 25, 35, 40, 50 %); the fixed
    QUICK_RISES when nothing is expected."""
    if expected is None:
        return QUICK_RISES
    expected = min(max(expected, 0.0), 250.0)
    below = max(5, 5 * math.ceil(expected / 5) - 5)  # the multiple of 5 just under it
    above = below + 5
    lowest = min(below - 5, 5 * math.floor(expected * 0.7 / 5))
    highest = max(above + 5, 5 * math.ceil(expected * 1.3 / 5))
    shift = max(0, 5 - lowest)  # never below 5 %
    values = (lowest + shift, below + shift, above + shift, min(highest + shift, RISE_CHOICE_MAX))
    return tuple(int(v) for v in values)


# ---------------------------------------------------------------- the announced prediction


@dataclass(frozen=True)
class Announced:
    """The bulk time announced for the bake's final target (what /done and the card state):
    the prediction stored on the bake, re-announced whenever the target or temperature changed."""

    hours: float
    target_pct: float
    first_target_pct: float | None = None  # the target announced first, when it was changed since

    def error_pct(self, actual_hours: float) -> float:
        """How far it was off, in % of the real bulk time (positive: predicted too long)."""
        return (self.hours - actual_hours) / actual_hours * 100.0


def target_change(old: float | None, new: float) -> str | None:
    """A target-change event's detail ("75 → 60"), or None when the target did not change."""
    if not old or abs(old - new) < 0.5:
        return None
    return f"{old:g} → {new:g}"


def first_target(events: Sequence[BakeEvent]) -> float | None:
    """The target announced before the first change (from the first target event), if any."""
    for event in events:
        if event.kind == EventKind.TARGET and event.detail:
            try:
                return float(event.detail.split("→")[0])
            except ValueError:
                return None
    return None


def announced(bake: Bake, events: Sequence[BakeEvent]) -> Announced | None:
    if not bake.predicted_bulk_hours or not bake.target_rise_pct:
        return None
    first = first_target(events)
    if first is not None and abs(first - bake.target_rise_pct) < 0.5:
        first = None  # changed, and changed back
    return Announced(bake.predicted_bulk_hours, bake.target_rise_pct, first)
