"""Is a rise reading one the dough can have made by now? 45 % ten seconds after mixing is a typo,
a reading meant for another bake or a bake started late in the bot: worth a question before it
moves the estimate and the reminders.

The bound is the fermentation model (schedules/fermentation.py) made generous on every side:
the dough three times as fast as the model (faster still when this baker's dough is known to
be fast), the warmest temperature logged plus 2 °C (30 °C when none is), the bake's starter (the
model's most, 50 %, when it is not known), then 15 points more; and a reading up to 25 % is
never questioned (jar marks are rough, and a bake is often started in the bot a while after
mixing). Pure: no clock, no storage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from schedules import fermentation as model

FLOOR_PCT = 25.0  # a reading up to this is never questioned
MARGIN_PCT = 15.0  # points above the fastest dough's rise
FAST_FACTOR = 3.0  # the fastest dough: this many times as fast as the model
WARMER_C = 2.0  # above the warmest temperature logged
UNKNOWN_TEMP_C = 30.0  # a warm kitchen, when no temperature is known
UNKNOWN_STARTER_PCT = model.STARTER_RANGE_PCT[1]  # the most starter the model knows


@dataclass(frozen=True)
class Implausible:
    """A reading above what the dough can have done: `most_pct` is the most it could."""

    rise_pct: float
    elapsed: timedelta
    most_pct: float


def most_plausible_rise(
    elapsed: timedelta,
    *,
    starter_pct: float | None = None,
    temperatures_c: Sequence[float] = (),
    pace: float = 1.0,
) -> float:
    """The most rise (%) a reading `elapsed` after mixing can plausibly show. `pace` is this
    baker's known pace (0.8: their dough takes 20 % less time than the model); a slow pace
    never makes the bound tighter."""
    hours = max(elapsed.total_seconds(), 0.0) / 3600.0
    warmest = max(temperatures_c) + WARMER_C if temperatures_c else UNKNOWN_TEMP_C
    starter = starter_pct if starter_pct and starter_pct > 0 else UNKNOWN_STARTER_PCT
    speed_up = FAST_FACTOR / min(max(pace, 0.2), 1.0)
    fastest = model.predicted_rise_pct(hours * speed_up, starter, warmest)
    return max(FLOOR_PCT, fastest + MARGIN_PCT)


def check_rise(
    rise_pct: float,
    elapsed: timedelta,
    *,
    starter_pct: float | None = None,
    temperatures_c: Sequence[float] = (),
    pace: float = 1.0,
) -> Implausible | None:
    """None when the reading is plausible; else what makes it not."""
    most = most_plausible_rise(elapsed, starter_pct=starter_pct, temperatures_c=temperatures_c, pace=pace)
    return Implausible(rise_pct, elapsed, most) if rise_pct > most else None
