"""Per-baker calibration of the fermentation model: learn how fast this baker's dough runs.

Every baker's starter, flour and kitchen differ, so the a-priori model
(`schedules.fermentation.predict_bulk_hours`) is off for someone by hours. After each finished
bake we compare the UNCALIBRATED model's hours with the bulk time the baker actually saw and keep
a speed factor (1.3 = this baker's dough takes 30 % longer than the model).

The factor is a geometric (log-space) exponentially weighted average: the n-th bake gets weight
``max(1 / n, 0.3)``, so the first bake moves the factor all the way, three bakes converge, and
later bakes keep adapting (a new starter, summer) without one odd bake undoing the history.
The factor is clamped to 0.33-3; non-positive or non-finite inputs are ignored.

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
    "prediction_window",
    "to_json",
    "update_calibration",
]

FACTOR_MIN = 0.33
FACTOR_MAX = 3.0
WEIGHT_FLOOR = 0.3
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


def update_calibration(cal: Calibration, model_hours: float, actual_hours: float) -> Calibration:
    """Learn from a finished bake: `model_hours` from the uncalibrated model, `actual_hours` seen.

    Absurd inputs (non-positive, non-finite, longer than a week) leave `cal` unchanged.
    """
    if not (_valid_hours(model_hours) and _valid_hours(actual_hours)):
        return cal
    predicted = calibrated_hours(cal, model_hours)
    error_pct = round((predicted - actual_hours) / actual_hours * 100.0, 1)
    weight = max(1.0 / (cal.samples + 1), WEIGHT_FLOOR)
    observed = _clamp(actual_hours / model_hours, FACTOR_MIN, FACTOR_MAX)
    log_factor = (1.0 - weight) * math.log(cal.speed_factor) + weight * math.log(observed)
    return Calibration(
        speed_factor=_clamp(math.exp(log_factor), FACTOR_MIN, FACTOR_MAX),
        samples=cal.samples + 1,
        recent_errors_pct=(*cal.recent_errors_pct, error_pct)[-RECENT_ERRORS_KEPT:],
    )


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
