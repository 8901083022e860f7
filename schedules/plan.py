"""Planning a bake backwards from when the bread should be ready, and re-planning it live.

Pure: no aiogram, no SQL, no clock of its own. Times are aware UTC datetimes; durations are
elapsed time (a cold proof across a daylight-saving night still lasts its hours); only the
quiet hours are wall-clock times, resolved in the baker's timezone.

Working back from "out of the oven": the bake (45 min, the oven preheated before it), the cold
proof (its length absorbs most of the slack: at least 8 h, at most what the model allows at
the baker's fridge temperature, ~14 h preferred, Hamelman's 12-16 h), shaping (30 min), bulk
(the model's hours to the target rise at the kitchen temperature, times the baker's learned
pace) and the starter, fed so that it peaks at mixing (1:1:1 to 1:10:10, whichever fits the
day). The starter amount sets bulk's length (less starter, longer bulk). Candidates are scored
by how many steps fall in the quiet hours (the baker's, else a default night) and then by how
far they stray from the baker's usual starter and a 14 h fridge; alternatives are offered when
they differ usefully (another starter amount, a mixing time hours apart).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta, tzinfo
from enum import StrEnum

from schedules import fermentation as model
from schedules.planner import QuietHours


class Step(StrEnum):
    FEED = "feed"  # feed the starter so it peaks at mixing
    MIX = "mix"
    FOLD = "fold"
    SHAPE = "shape"  # end of bulk: pre-shape and shape
    FRIDGE = "fridge"  # into the fridge
    PREHEAT = "preheat"
    BAKE = "bake"  # out of the fridge, into the oven
    OUT = "out"  # out of the oven: the bread is ready


BAKE_TIME = timedelta(minutes=45)
SHAPE_TIME = timedelta(minutes=30)
FRIDGE_MIN_H = 8.0
FRIDGE_PREFERRED_H = 14.0
FRIDGE_CAP_H = 24.0
FRIDGE_STEP_H = 0.5
FEED_RATIOS = (1, 2, 5, 10)  # starter : flour : water = 1 : r : r
_FEED_PENALTY = {1: 0.2, 2: 0.0, 5: 0.15, 10: 0.35}
STARTER_CHOICES_PCT = (5.0, 10.0, 15.0, 20.0, 25.0, 30.0)
DEFAULT_NIGHT = QuietHours(time(23, 0), time(7, 0))  # when the baker has set no quiet hours
DRIFT_TOLD_MIN = 20  # a bread-ready time that moves by more than this is worth a word
SPOT_RANGE_C = (16.0, 30.0)  # a warmer or cooler spot a kitchen plausibly has
_SEARCH_STEP = timedelta(minutes=15)
_SEARCH_SPAN = timedelta(hours=72)
MAX_OPTIONS = 3


@dataclass(frozen=True)
class Baker:
    """What planning needs to know about the baker."""

    zone: tzinfo
    quiet: QuietHours | None = None
    starter_pct: float = 20.0  # their usual inoculation
    kitchen_temp_c: float = 24.0
    fridge_temp_c: float = model.DEFAULT_FRIDGE_C
    pace: float = 1.0  # their learned factor: 1.3 = their dough takes 30 % longer than the model
    target_rise_pct: float | None = None  # None: by the kitchen temperature
    folds: int = 4
    fold_interval: timedelta = timedelta(minutes=30)
    preheat: timedelta = timedelta(minutes=60)

    @property
    def avoid(self) -> QuietHours:
        return self.quiet or DEFAULT_NIGHT

    @property
    def target(self) -> float:
        return self.target_rise_pct or round(model.target_rise_pct(self.kitchen_temp_c))


@dataclass(frozen=True)
class PlanStep:
    step: Step
    at: datetime
    seq: int = 0  # the fold's number


@dataclass(frozen=True)
class Plan:
    ready_at: datetime
    steps: tuple[PlanStep, ...]
    starter_pct: float
    feed_ratio: int
    bulk_hours: float
    fridge_hours: float
    target_rise_pct: float
    kitchen_temp_c: float
    fridge_temp_c: float
    rise_after_fridge_pct: float  # what the jar would show when it comes out of the fridge
    clashes: tuple[PlanStep, ...] = ()  # steps inside the quiet hours

    def at(self, step: Step) -> datetime:
        return next(s.at for s in self.steps if s.step == step)

    @property
    def feed_at(self) -> datetime:
        return self.at(Step.FEED)

    @property
    def mix_at(self) -> datetime:
        return self.at(Step.MIX)

    @property
    def bulk_end(self) -> datetime:
        return self.at(Step.SHAPE)

    @property
    def fridge_at(self) -> datetime:
        return self.at(Step.FRIDGE)

    @property
    def bake_at(self) -> datetime:
        return self.at(Step.BAKE)


@dataclass(frozen=True)
class Options:
    asked: datetime
    plans: tuple[Plan, ...]  # the best first, then alternatives that differ usefully
    met: bool  # the time asked for can be met
    earliest: datetime | None = None  # when it can't: the earliest time that can
    quiet_free_at: datetime | None = None  # when the asked time only works with steps in quiet hours


# ---------------------------------------------------------------- building one plan


def peak_hours(feed_ratio: int, temp_c: float) -> float:
    return model.starter_peak_hours(1.0, float(feed_ratio), float(feed_ratio), temp_c).peak_hours


def bulk_hours(baker: Baker, starter_pct: float) -> float:
    return model.predict_bulk_hours(starter_pct, baker.kitchen_temp_c, baker.target) * baker.pace


def fridge_range(baker: Baker) -> tuple[float, float]:
    longest = min(FRIDGE_CAP_H, model.max_cold_proof_hours(baker.kitchen_temp_c, baker.fridge_temp_c))
    return FRIDGE_MIN_H, max(FRIDGE_MIN_H, math.floor(longest / FRIDGE_STEP_H) * FRIDGE_STEP_H)


def build(
    baker: Baker, ready_at: datetime, *, starter_pct: float, fridge_hours: float, feed_ratio: int
) -> Plan:
    """One timeline ending with the bread out of the oven at `ready_at`."""
    bake = ready_at - BAKE_TIME
    fridge = bake - timedelta(hours=fridge_hours)
    shape = fridge - SHAPE_TIME
    hours = bulk_hours(baker, starter_pct)
    mix = _round_down(shape - timedelta(hours=hours))
    feed = _round_down(mix - timedelta(hours=peak_hours(feed_ratio, baker.kitchen_temp_c)))
    steps = [PlanStep(Step.FEED, feed), PlanStep(Step.MIX, mix)]
    steps += [
        PlanStep(Step.FOLD, mix + baker.fold_interval * n, n)
        for n in range(1, baker.folds + 1)
        if mix + baker.fold_interval * n < shape
    ]
    steps += [PlanStep(Step.SHAPE, shape), PlanStep(Step.FRIDGE, fridge)]
    if baker.preheat > timedelta(0):
        steps.append(PlanStep(Step.PREHEAT, bake - baker.preheat))
    steps += [PlanStep(Step.BAKE, bake), PlanStep(Step.OUT, ready_at)]
    steps.sort(key=lambda s: s.at)
    rise = model.cold_proof_rise_pct(
        starter_pct, baker.target, baker.kitchen_temp_c, baker.fridge_temp_c, fridge_hours, baker.pace
    )
    plan = Plan(
        ready_at=ready_at,
        steps=tuple(steps),
        starter_pct=starter_pct,
        feed_ratio=feed_ratio,
        bulk_hours=hours,
        fridge_hours=fridge_hours,
        target_rise_pct=baker.target,
        kitchen_temp_c=baker.kitchen_temp_c,
        fridge_temp_c=baker.fridge_temp_c,
        rise_after_fridge_pct=rise,
    )
    return replace(plan, clashes=clashes(plan.steps, baker.avoid, baker.zone))


def in_quiet(moment: datetime, quiet: QuietHours, zone: tzinfo) -> bool:
    return quiet.contains(moment.astimezone(zone).time().replace(tzinfo=None))


def clashes(steps: Iterable[PlanStep], quiet: QuietHours, zone: tzinfo) -> tuple[PlanStep, ...]:
    return tuple(s for s in steps if in_quiet(s.at, quiet, zone))


def _round_down(moment: datetime, minutes: int = 5) -> datetime:
    stamp = math.floor(moment.timestamp() / (minutes * 60)) * minutes * 60
    return datetime.fromtimestamp(stamp, UTC)


def starter_choices(baker: Baker) -> tuple[float, ...]:
    usual = round(min(max(baker.starter_pct, 1.0), 50.0), 1)
    return tuple(sorted({usual, *STARTER_CHOICES_PCT}))


def _fridge_choices(baker: Baker, step: float = FRIDGE_STEP_H) -> list[float]:
    lo, hi = fridge_range(baker)
    return [lo + step * i for i in range(round((hi - lo) / step) + 1)]


@dataclass(frozen=True)
class Choice:
    """One way to be ready on time, before it is built into a Plan."""

    starter_pct: float
    fridge_hours: float
    feed_ratio: int
    mix_at: datetime
    clashes: int
    penalty: float


def _penalty(baker: Baker, starter_pct: float, fridge_hours: float, feed_ratio: int) -> float:
    return (
        2.0 * abs(math.log(starter_pct / max(baker.starter_pct, 1.0)))
        + 0.15 * abs(fridge_hours - FRIDGE_PREFERRED_H)
        + _FEED_PENALTY.get(feed_ratio, 0.5)
    )


def choices(baker: Baker, ready_at: datetime, now: datetime, *, coarse: bool = False) -> list[Choice]:
    """Every way to be ready at `ready_at` whose first step (feeding) is not in the past, with
    how many of its steps fall in the quiet hours."""
    found: list[Choice] = []
    quiet, zone = baker.avoid, baker.zone
    fridge_step = 1.0 if coarse else FRIDGE_STEP_H
    peaks = {r: timedelta(hours=peak_hours(r, baker.kitchen_temp_c)) for r in FEED_RATIOS}
    bake = ready_at - BAKE_TIME
    oven = [bake, ready_at] + ([bake - baker.preheat] if baker.preheat > timedelta(0) else [])
    oven_clashes = sum(in_quiet(m, quiet, zone) for m in oven)
    for starter in starter_choices(baker):
        bulk = timedelta(hours=bulk_hours(baker, starter))
        for fridge in _fridge_choices(baker, fridge_step):
            fridge_at = bake - timedelta(hours=fridge)
            shape = fridge_at - SHAPE_TIME
            mix = _round_down(shape - bulk)
            if mix - peaks[1] < now and mix - peaks[10] < now:
                continue
            folds = [m for n in range(1, baker.folds + 1) if (m := mix + baker.fold_interval * n) < shape]
            day = sum(in_quiet(m, quiet, zone) for m in [mix, shape, fridge_at, *folds])
            for ratio in FEED_RATIOS:
                feed = _round_down(mix - peaks[ratio])
                if feed < now:
                    continue
                count = oven_clashes + day + int(in_quiet(feed, quiet, zone))
                penalty = _penalty(baker, starter, fridge, ratio)
                found.append(Choice(starter, fridge, ratio, mix, count, penalty))
    return found


def _differs(choice: Choice, chosen: Sequence[Choice]) -> bool:
    for other in chosen:
        apart = abs((choice.mix_at - other.mix_at).total_seconds()) / 3600
        if choice.starter_pct == other.starter_pct and apart < 3.0:
            return False
        if apart < 1.5:
            return False
    return True


def pick(found: Sequence[Choice]) -> tuple[Choice, ...]:
    """The best choice, then up to two more that differ usefully (another starter amount with a
    mixing time 1.5 h+ away, or the same starter with mixing 3 h+ away), none with more steps
    in the quiet hours than the best."""
    ranked = sorted(found, key=lambda c: (c.clashes, c.penalty, c.mix_at))
    if not ranked:
        return ()
    best = ranked[0]
    usable = [c for c in ranked[1:] if c.clashes <= best.clashes]
    chosen = [best]
    # Another starter amount first (a different shape of day), then any other that differs.
    for wanted in (lambda c: c.starter_pct != best.starter_pct, lambda c: True):
        for choice in usable:
            if len(chosen) == MAX_OPTIONS:
                break
            if wanted(choice) and choice not in chosen and _differs(choice, chosen):
                chosen.append(choice)
                break
    for choice in usable:
        if len(chosen) == MAX_OPTIONS:
            break
        if choice not in chosen and _differs(choice, chosen):
            chosen.append(choice)
    return tuple(chosen)


def _built(baker: Baker, ready_at: datetime, picked: Iterable[Choice]) -> tuple[Plan, ...]:
    return tuple(
        build(baker, ready_at, starter_pct=c.starter_pct, fridge_hours=c.fridge_hours, feed_ratio=ratio)
        for c in picked
        if (ratio := c.feed_ratio)
    )


def _first_clash_free(
    baker: Baker, start: datetime, now: datetime
) -> tuple[datetime, tuple[Choice, ...]] | None:
    moment = start
    while moment <= start + _SEARCH_SPAN:
        if any(c.clashes == 0 for c in choices(baker, moment, now, coarse=True)):
            return moment, pick([c for c in choices(baker, moment, now) if c.clashes == 0])
        moment += _SEARCH_STEP
    return None


def earliest_possible(baker: Baker, now: datetime) -> datetime:
    """The soonest the bread can be out of the oven, ignoring quiet hours: the most starter,
    the quickest feed, the shortest cold proof."""
    fastest = min(bulk_hours(baker, s) for s in starter_choices(baker))
    quickest = min(peak_hours(r, baker.kitchen_temp_c) for r in FEED_RATIOS)
    total = quickest + fastest + FRIDGE_MIN_H
    return now + timedelta(hours=total) + SHAPE_TIME + BAKE_TIME + timedelta(minutes=10)


def _round_up(moment: datetime, step: timedelta = _SEARCH_STEP) -> datetime:
    seconds = step.total_seconds()
    return datetime.fromtimestamp(math.ceil(moment.timestamp() / seconds) * seconds, UTC)


def plan_backwards(baker: Baker, ready_at: datetime, now: datetime) -> Options:
    """Plans for bread out of the oven at `ready_at`: the best and its useful alternatives; when
    that time can't be met, the earliest that can (with no step in the quiet hours); when it
    can only be met with a step in the quiet hours, also the first time that needs none."""
    found = pick(choices(baker, ready_at, now))
    if found:
        if found[0].clashes == 0:
            return Options(ready_at, _built(baker, ready_at, found), met=True)
        later = _first_clash_free(baker, ready_at + _SEARCH_STEP, now)
        if later is None or not later[1]:
            return Options(ready_at, _built(baker, ready_at, found[:1]), met=True)
        moment, other = later
        plans = _built(baker, ready_at, found[:1]) + _built(baker, moment, other[:1])
        return Options(ready_at, plans, met=True, quiet_free_at=moment)
    start = max(_round_up(earliest_possible(baker, now)), ready_at)
    searched = _first_clash_free(baker, start, now)
    if searched is None or not searched[1]:
        soonest = _built(baker, start, pick(choices(baker, start, now)))
        return Options(ready_at, soonest, met=False, earliest=start if soonest else None)
    moment, other = searched
    return Options(ready_at, _built(baker, moment, other), met=False, earliest=moment)


# ---------------------------------------------------------------- the fridge by clock time


def fitting_fridge_hours(
    suggested_h: float,
    now: datetime,
    zone: tzinfo,
    quiet: QuietHours | None,
    preheat: timedelta,
    bounds: tuple[float, float] = (FRIDGE_MIN_H, FRIDGE_CAP_H),
) -> float:
    """The cold-proof length nearest the model's suggestion whose end (and preheat) falls
    outside the baker's quiet hours; the suggestion itself when it fits or nothing does."""
    if quiet is None:
        return suggested_h
    lo, hi = bounds
    options = [lo + FRIDGE_STEP_H * i for i in range(round((hi - lo) / FRIDGE_STEP_H) + 1)]

    def fits(hours: float) -> bool:
        end = now + timedelta(hours=hours)
        moments = [end] + ([end - preheat] if preheat > timedelta(0) else [])
        return not any(in_quiet(m, quiet, zone) for m in moments)

    if fits(suggested_h):
        return suggested_h
    fitting = [h for h in options if fits(h)]
    if not fitting:
        return suggested_h
    return min(fitting, key=lambda h: (abs(h - suggested_h), h))


# ---------------------------------------------------------------- live re-planning


@dataclass(frozen=True)
class Drift:
    """The bake runs off its plan: bread-ready moves by `minutes` unless something changes."""

    minutes: int  # + later, - earlier
    ready_at: datetime  # when the bread would be ready if nothing changes
    bulk_end: datetime  # the new end of bulk
    fridge_hours: float | None  # a cold proof of this length keeps the planned time
    spot_temp_c: float | None  # a spot at this temperature keeps the planned end of bulk


def drift(
    *,
    planned_bulk_end: datetime,
    planned_ready: datetime,
    fridge_hours: float,
    fridge_bounds: tuple[float, float],
    eta: datetime,
    now: datetime,
    dough_temp_c: float,
) -> Drift | None:
    """Compare the live end-of-bulk estimate with the plan. None while it is within
    DRIFT_TOLD_MIN; else what would keep the planned time (a shorter or longer cold proof, a
    warmer or cooler spot)."""
    delta = eta - planned_bulk_end
    minutes = round(delta.total_seconds() / 60)
    if abs(minutes) <= DRIFT_TOLD_MIN:
        return None
    keep = fridge_hours - delta.total_seconds() / 3600
    lo, hi = fridge_bounds
    keep_fridge = round(keep * 4) / 4 if lo <= keep <= hi else None
    spot: float | None = None
    left_planned = (planned_bulk_end - now).total_seconds() / 3600
    left_now = (eta - now).total_seconds() / 3600
    if left_planned >= 0.75 and left_now > 0:
        wanted = model.relative_speed(dough_temp_c) * left_now / left_planned
        temp = model.temp_for_relative_speed(wanted)
        reachable = abs(model.relative_speed(temp) - wanted) <= 1e-3 * wanted
        if reachable and SPOT_RANGE_C[0] <= temp <= SPOT_RANGE_C[1] and abs(temp - dough_temp_c) >= 0.5:
            spot = round(temp * 2) / 2
    return Drift(minutes, planned_ready + delta, eta, keep_fridge, spot)


# ---------------------------------------------------------------- steps as stored


def shifted(steps: Sequence[PlanStep], delta: timedelta, *, keep_ready: bool) -> tuple[PlanStep, ...]:
    """The steps after a re-plan: the end of bulk and the fridge move by `delta`; the oven steps
    move too unless the planned time is kept (the cold proof absorbs it)."""
    moving = {Step.SHAPE, Step.FRIDGE} | (set() if keep_ready else {Step.PREHEAT, Step.BAKE, Step.OUT})
    return tuple(
        sorted((replace(s, at=s.at + delta) if s.step in moving else s for s in steps), key=lambda s: s.at)
    )


def steps_to_json(steps: Sequence[PlanStep]) -> str:
    return json.dumps(
        [[s.step.value, s.at.astimezone(UTC).isoformat(timespec="seconds"), s.seq] for s in steps],
        separators=(",", ":"),
    )


def steps_from_json(text: str | None) -> tuple[PlanStep, ...]:
    """Stored steps back; anything malformed is left out."""
    try:
        raw = json.loads(text or "[]")
    except ValueError:
        return ()
    out: list[PlanStep] = []
    for item in raw if isinstance(raw, list) else []:
        try:
            name, at, seq = item
            out.append(PlanStep(Step(name), datetime.fromisoformat(at).astimezone(UTC), int(seq)))
        except (TypeError, ValueError):
            continue
    return tuple(sorted(out, key=lambda s: s.at))
