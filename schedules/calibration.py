"""Per-baker calibration of the fermentation model: learn how fast this baker's dough runs.

Every baker's starter, flour and kitchen differ, so the a-priori model
(`schedules.fermentation.predict_bulk_hours`) is off for someone by hours. After each finished
bake we compare the UNCALIBRATED model's hours with the bulk time the baker actually saw and keep
a speed factor (1.3 = this baker's dough takes 30 % longer than the model).

Learning shrinks toward the model. The log factor is tracked like a one-dimensional Kalman
filter that starts on the model: bakers' dough differs from the book by about ``MODEL_LOG_SD``
(0.20, the model's typical +-20 %), one baker's bakes differ from each other by about
``BAKE_LOG_SD`` (0.20 too: starter on the day, flour, a drifting room), and a baker's pace can
drift between bakes (``DRIFT_LOG_VAR``: a new starter, summer). So the first bake moves the
factor halfway from the model to what it showed, the next ones a little less (0.47, 0.46, ...,
settling near 0.46), and three consistent bakes get ~86 % of the way. A bake far from what the
history predicts (more than 1.5 sd) is an *odd* bake: its pull is capped (Huber), so one odd
bake never moves the factor more than about halfway, and after a consistent history far less.
The factor is clamped to 0.33-3; non-positive or non-finite inputs are ignored.

`prior_log_sd` turns the baker's recent prediction errors into the spread of the live
estimator's prior: a baker whose predictions have been within a few percent gets a tight prior,
one whose bakes vary gets a wide one (shrunk toward the default 0.20 while there are few).

Pure: no SQL. The storage layer keeps `to_json(cal)` in ``users.calibration``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

__all__ = [
    "Calibration",
    "calibrated_hours",
    "from_json",
    "learning_weight",
    "prediction_window",
    "prior_log_sd",
    "to_json",
    "update_calibration",
]

FACTOR_MIN = 0.33
FACTOR_MAX = 3.0
MODEL_LOG_SD = 0.20  # bakers' pace around the model (log scale)
BAKE_LOG_SD = 0.20  # one baker's bake-to-bake spread (log scale)
DRIFT_LOG_VAR = 0.39 * BAKE_LOG_SD**2  # how far a baker's pace may move between two bakes
ODD_BAKE_Z = 1.5  # beyond this many sd from what the history predicts, a bake's pull is capped
PRIOR_SD_PSEUDO_BAKES = 2.0  # the default spread counts as this many bakes
PRIOR_SD_RANGE = (0.08, 0.35)
RECENT_ERRORS_KEPT = 5
WINDOW_START = 0.25  # +-25 % with no history
WINDOW_STEP = 0.03  # narrows by 3 points per bake...
WINDOW_FLOOR = 0.10  # ...down to +-10 % after 5 bakes
_MAX_HOURS = 24.0 * 7  # anything longer is not a bulk fermentation


@dataclass(frozen=True)
class Calibration:
    speed_factor: float = 1.0  # actual_hours / model_hours: 1.3 = dough takes 30 % longer
    samples: int = 0
    recent_errors_pct: tuple[float, ...] = ()  # signed error of the last predictions, oldest first


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _valid_hours(x: object) -> bool:
    return (
        isinstance(x, (int, float))
        and not isinstance(x, bool)
        and math.isfinite(x)
        and 0.0 < x <= _MAX_HOURS
    )


def calibrated_hours(cal: Calibration, model_hours: float) -> float:
    """The model's hours adjusted to this baker."""
    return model_hours * cal.speed_factor


def _variance_before(samples: int) -> float:
    """The variance of the log factor before bake number `samples + 1` (Kalman recursion)."""
    var = MODEL_LOG_SD**2
    for _ in range(max(samples, 0)):
        after = var * BAKE_LOG_SD**2 / (var + BAKE_LOG_SD**2)
        var = after + DRIFT_LOG_VAR
        if var - after < 1e-12:
            break
    return var


def learning_weight(samples: int) -> float:
    """How far (0-1) the next bake moves the factor toward what it showed, after `samples`
    bakes: 0.5 for the first, then ~0.47 settling near 0.46 (for a bake that is not odd)."""
    var = _variance_before(min(samples, 50))
    return var / (var + BAKE_LOG_SD**2)


def update_calibration(cal: Calibration, model_hours: float, actual_hours: float) -> Calibration:
    """Learn from a finished bake: `model_hours` from the uncalibrated model, `actual_hours` seen.

    Absurd inputs (non-positive, non-finite, longer than a week) leave `cal` unchanged.
    """
    if not (_valid_hours(model_hours) and _valid_hours(actual_hours)):
        return cal
    predicted = calibrated_hours(cal, model_hours)
    error_pct = round((predicted - actual_hours) / actual_hours * 100.0, 1)
    var = _variance_before(min(cal.samples, 50))
    weight = var / (var + BAKE_LOG_SD**2)
    observed = _clamp(actual_hours / model_hours, FACTOR_MIN, FACTOR_MAX)
    innovation = math.log(observed) - math.log(cal.speed_factor)
    z = abs(innovation) / math.sqrt(var + BAKE_LOG_SD**2)
    if z > ODD_BAKE_Z:
        weight *= ODD_BAKE_Z / z  # an odd bake: its pull is capped
    log_factor = math.log(cal.speed_factor) + weight * innovation
    return Calibration(
        speed_factor=_clamp(math.exp(log_factor), FACTOR_MIN, FACTOR_MAX),
        samples=cal.samples + 1,
        recent_errors_pct=(*cal.recent_errors_pct, error_pct)[-RECENT_ERRORS_KEPT:],
    )


def prior_log_sd(cal: Calibration) -> float:
    """The spread (log scale) of this baker's next bulk time around their calibrated prediction,
    for the live estimator's prior: the root mean square of their recent prediction errors,
    shrunk toward the model's 0.20 while there are few, within 0.08-0.35."""
    logs = [math.log1p(e / 100.0) for e in cal.recent_errors_pct if e > -99.0]
    if not logs:
        return MODEL_LOG_SD
    squares = PRIOR_SD_PSEUDO_BAKES * MODEL_LOG_SD**2 + sum(v * v for v in logs)
    sd = math.sqrt(squares / (PRIOR_SD_PSEUDO_BAKES + len(logs)))
    return _clamp(sd, *PRIOR_SD_RANGE)


def prediction_window(cal: Calibration, hours: float) -> tuple[float, float]:
    """A (low, high) band around `hours` that narrows with history: +-25 % -> +-10 % after 5 bakes."""
    half = max(WINDOW_START - WINDOW_STEP * max(cal.samples, 0), WINDOW_FLOOR)
    return hours * (1.0 - half), hours * (1.0 + half)


def to_json(cal: Calibration) -> str:
    return json.dumps(
        {
            "speed_factor": cal.speed_factor,
            "samples": cal.samples,
            "recent_errors_pct": list(cal.recent_errors_pct),
        },
        separators=(",", ":"),
    )


def from_json(s: str | bytes | None) -> Calibration:
    """Parse `to_json` output; anything malformed gives the default Calibration()."""
    if not s:
        return Calibration()
    try:
        data = json.loads(s)
    except (TypeError, ValueError):
        return Calibration()
    if not isinstance(data, dict):
        return Calibration()
    factor = data.get("speed_factor", 1.0)
    samples = data.get("samples", 0)
    errors = data.get("recent_errors_pct", [])
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not math.isfinite(factor):
        return Calibration()
    if factor <= 0:
        return Calibration()
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 0:
        samples = 0
    if not isinstance(errors, list):
        errors = []
    clean = tuple(
        float(e)
        for e in errors
        if isinstance(e, (int, float)) and not isinstance(e, bool) and math.isfinite(e)
    )[-RECENT_ERRORS_KEPT:]
    return Calibration(
        speed_factor=_clamp(float(factor), FACTOR_MIN, FACTOR_MAX),
        samples=samples,
        recent_errors_pct=clean,
    )
